"""Write a run's results as JSON and as the Markdown table the README shows."""

from pathlib import Path

from common import Result, Row, write_json

VERDICTS = {True: "met", False: "**missed**", None: ""}


def write_results(
    folder: Path, results: list[Result], machine: dict, seconds: float, options: dict
) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    json_path = folder / "latest.json"
    markdown_path = folder / "latest.md"
    write_json(
        json_path,
        {
            "machine": machine,
            "total_seconds": round(seconds, 1),
            "options": {name: _plain(value) for name, value in options.items()},
            "benchmarks": [result.as_json() for result in results],
        },
    )
    markdown_path.write_text(markdown(results, machine, seconds))
    return [json_path, markdown_path]


def markdown(results: list[Result], machine: dict, seconds: float) -> str:
    lines = [
        f"Measured on {machine['date']}: {machine['cpu']}, {machine['cores']} cores, "
        f"{machine['memory_gib']} GiB, Linux {machine['kernel']}, "
        f"Python {machine['python']}, PostgreSQL {machine['postgresql']}. "
        f"The whole run took {seconds / 60:.1f} minutes. "
        "Baselines were measured in the same run; the ratio is SaveTrail / baseline.",
        "",
        "| Benchmark | Figure | Baseline | SaveTrail | Ratio | Goal | Met |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for result in results:
        if result.errors:
            lines.append(
                f"| {result.title} | run failed: see latest.json | | | | | **error** |"
            )
        for row in result.rows:
            lines.append(_table_row(result.title, row))

    lines += ["", "What each benchmark did:", ""]
    for result in results:
        lines.append(f"- **{result.title}** ({result.seconds:.0f} s):")
        for name, value in result.parameters.items():
            lines.append(f"  {name}: {value};")
        for profile in result.profiles:
            lines.append(f"  profile of the missed goal: [{profile}]({profile});")
    return "\n".join(lines) + "\n"


def _table_row(title: str, row: Row) -> str:
    baseline = "" if row.baseline is None else f"{_number(row.baseline)} {row.unit}"
    if row.baseline_name:
        baseline += f" ({row.baseline_name})"
    ratio = "" if row.ratio is None else f"{row.ratio:.2f}"
    savetrail = f"{_number(row.savetrail)} {row.unit}"
    return (
        f"| {title} | {row.metric} | {baseline} | {savetrail} | {ratio} "
        f"| {row.goal} | {VERDICTS[row.met]} |"
    )


def _number(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _plain(value):
    if isinstance(value, Path):
        return str(value)
    return value
