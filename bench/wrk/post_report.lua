-- wrk script: POST one save report per request, each with an event_id never sent
-- before, and print the run's figures as one JSON line.
--
--   wrk -t2 -c16 -d10s -s post_report.lua http://127.0.0.1:PORT -- KEYS RUN_NUMBER
--
-- KEYS is a comma-separated list of API keys, one per simulated workstation;
-- the requests take them in turn. The event_id is made of the run number, the
-- wrk thread and a counter, so two requests of one run never share one, and
-- neither do two runs.

local threads_made = 0

function setup(thread)
   threads_made = threads_made + 1
   thread:set("thread_number", threads_made)
end

function init(args)
   run_number = tonumber(args[2])
   sent = 0
   authorizations = {}
   for key in string.gmatch(args[1], "[^,]+") do
      table.insert(authorizations, "Bearer " .. key)
   end
   headers = {["Content-Type"] = "application/json"}
end

function request()
   sent = sent + 1
   headers["Authorization"] = authorizations[(sent + thread_number) % #authorizations + 1]
   local event_id = string.format(
      "%08x-%04x-4000-8000-%012x", run_number, thread_number, sent
   )
   local body = string.format(
      '{"event_id":"%s","username":"anna","saved_at":"2026-03-10T17:42:55Z",' ..
      '"file_path":"/projects/show/shot %03d/anim_v%03d.blend",' ..
      '"blender_version":"5.0.1","hostname":"ws-12","file_size":123456}',
      event_id, sent % 200, sent % 37
   )
   return wrk.format("POST", "/api/v1/saves/", headers, body)
end

function done(summary, latency, requests)
   local errors = summary.errors
   io.write(string.format(
      'WRK_RESULT {"requests":%d,"duration_us":%d,"connect_errors":%d,' ..
      '"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d,' ..
      '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
      summary.requests, summary.duration, errors.connect, errors.read,
      errors.write, errors.status, errors.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency.max
   ))
end
