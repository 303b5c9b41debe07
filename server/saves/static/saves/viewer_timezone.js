// Tell the SaveTrail admin which time zone this browser is in, so that the
// server shows times as the viewer's clock does. Served by this server; no CDN.
(function () {
  "use strict";
  var cookieName = "savetrail_tz";

  function browserZone() {
    try {
      var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      return /^[A-Za-z0-9_\/+\-]{1,64}$/.test(zone || "") ? zone : "";
    } catch (error) {
      return "";
    }
  }

  function storedZone() {
    var match = document.cookie.match(/(?:^|;\s*)savetrail_tz=([^;]*)/);
    return match ? match[1] : "";
  }

  function remember() {
    var zone = browserZone();
    if (!zone || zone === storedZone()) {
      return;
    }
    document.cookie = cookieName + "=" + zone + "; path=/; max-age=31536000; samesite=lax";

    // Pages that show times were drawn in the old zone: draw them again, once.
    var reloadedFlag = "savetrail_tz_reloaded";
    var showsTimes = document.querySelector("[data-viewer-time]") !== null;
    if (showsTimes && storedZone() === zone && !window.sessionStorage.getItem(reloadedFlag)) {
      window.sessionStorage.setItem(reloadedFlag, "1");
      window.location.reload();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", remember);
  } else {
    remember();
  }
}());
