"""The report's appendix: every rule the review applies, in plain words for analysts.

Each rule is implemented once, in the function its paragraph names in the code comments
beside it; this text explains it to readers of a report and must change with it (the tests
check the numbers it quotes against the code's constants).
"""

from __future__ import annotations

from ..analysis import changes, impact, kpi, progress, review

_ON = round(progress.ON_TRACK_TOLERANCE * 100)
_MISS = {period: round((1 - level) * 1000) for period, level in impact.VERDICT_LEVEL.items()}
_RISK = round(progress.AT_RISK_TOLERANCE * 100)

RULES: tuple[tuple[str, str], ...] = (
    (
        "The as-of date",
        "<p>A review is as of one date. Nothing dated after it is used anywhere in the report: "
        "no KPI observation, no check-in, and no objective of a quarter that starts later. A week "
        "or month that the as-of date cuts in two is left out of charts and tables, so a "
        "half-finished week never looks like a drop. By default the as-of date is the quarter's "
        "last day, or the latest date in the data if that is earlier.</p>",
    ),
    (
        "Current value and progress",
        "<p>A key result's current value is its latest check-in on or before the as-of date. "
        "Without one, a key result linked to a KPI reads the KPI: for a KPI that adds up "
        "(new customers) the total since the quarter started, for a KPI that is a level (MRR) "
        f"its latest value, and for a KPI that is an average (churn) its average over the last "
        f"{kpi.MEAN_WINDOW_DAYS} days.</p>"
        "<p>Progress of a key result that should go up or down is how far it has come from its "
        "start towards its target: (now − start) ÷ (target − start), shown between 0% and 100%. "
        "A milestone's progress is its share done. A key result that must stay at or above (or "
        "at or below) a line counts as 100% while it holds the line and 0% when it does not. "
        "An objective's progress is the weighted average of its key results that have a "
        "value.</p>",
    ),
    (
        "Status while the quarter runs",
        "<p>The progress expected by now is the share of the quarter's days that have passed. "
        f"A key result is <b>on track</b> when its progress is at most {_ON} points behind that, "
        f"<b>at risk</b> when at most {_RISK} points behind, <b>off track</b> beyond that, and "
        "<b>done</b> at 100%. The owners' confidence is shown beside the status and never "
        "changes it. The forecast extends a straight line through the quarter's check-ins to "
        "its last day; the forecast odds add the check-ins' scatter around that line to give an "
        "80% range for the end value and the chance of reaching the target.</p>",
    ),
    (
        "Results once the quarter has ended",
        "<p>From the quarter's last day on, results are final: a key result is <b>done</b> if "
        "it reached 100%, otherwise <b>missed</b>; an objective is done when all its key "
        "results are. There is no pace status and no forecast any more. The grade is the final "
        "progress rounded to one decimal (0.65 becomes 0.7): <b>green</b> from 0.7, "
        "<b>yellow</b> from 0.4, <b>red</b> below. Committed objectives are meant to reach 1.0: "
        "a committed objective below that, and each missed key result of it, is flagged "
        "⚑ committed.</p>",
    ),
    (
        "What changed and what needs attention",
        "<p>Beside each key result: the change in progress and confidence since its previous "
        "check-in, and since the previous review (by default "
        f"{changes.SINCE_DAYS} days before the as-of date). At the top of the report, while "
        "the quarter runs, the key results that most need a decision: committed ones that are "
        "at risk or off track; those not yet done whose confidence dropped by "
        f"{round(changes.CONFIDENCE_DROP * 100)} points or more at the last check-in, or that "
        f"have had no check-in for {changes.STALE_DAYS} days or more; and those whose KPI got "
        "worse since the quarter started. Once the quarter has ended: the missed key results "
        "of committed objectives.</p>",
    ),
    (
        "KPI health",
        "<p>Each KPI is read at its latest complete week. Its target and thresholds apply to "
        "the whole (the <i>all</i> series) and, for KPIs that are averages, to each segment. "
        "The state says where the value stands, on the KPI's own good side: <b>on target</b> "
        "at or better than the target; <b>off target</b> worse than the target but not yet at "
        "the warning line; <b>warning</b> at or beyond the warning line; <b>critical</b> at or "
        "beyond the critical line; <b>no target</b> when the KPI has none. For churn with a 2% "
        "target (lower is better), 2.4% is off target.</p>",
    ),
    (
        "Did the key result move its KPI?",
        "<p>Each key result linked to a KPI is a hypothesis: the KPI should move once the "
        "quarter starts. The KPI is looked at in the period it is reported in: a KPI whose "
        "observations are usually 20 days or more apart is monthly, any other is weekly (daily "
        "values are combined into weeks). A weekly KPI's values over the half year before the "
        "quarter (26 weeks), or a monthly KPI's over the two years before it (24 months, fewer "
        "when its history is shorter), give its trend; that trend, carried on into the quarter, "
        "is what would have happened anyway. Only the quarter's complete weeks or months count. "
        "The effect is the average gap between what happened and that line, with a range "
        "that allows for the drift of KPI series from one week or month to the next. Two "
        "shapes of effect are looked for together: <i>a step</i>, a jump at the quarter start "
        "that then holds, and <i>a build-up</i>, an effect growing steadily from nothing over "
        "the quarter. Each gets its own range, and the two ranges are made wide enough that, "
        f"with no real change, either one leaves out zero only {_MISS['week']} times in 1,000 "
        f"for a weekly KPI and {_MISS['month']} for a monthly one. The "
        "verdict is <b>improved</b> or <b>worsened</b> when one shape's whole range lies on one "
        "side of zero (when both do, the clearer one counts), <b>no clear effect</b> otherwise, "
        "and <b>insufficient data</b> with fewer "
        "than 8 weeks before or 4 weeks in the quarter (12 months before or 2 months in it for a "
        "monthly KPI). The table shows the points each verdict rests on, such as <i>26 + 13 "
        "weeks</i>, and which shape was found; the effect and range shown are that shape's. On "
        "simulated KPIs with no real change this calls an effect about 1 time in 15, and it "
        "finds at least 4 in 5 steps and build-ups whose average is three times the KPI's usual "
        "spread. A yearly season is looked "
        "for when the KPI has two years of weekly or three years of monthly history before the "
        "quarter; when that history shows a clear yearly cycle, the cycle is part of what would "
        "have happened anyway, and the table says <i>seasonal</i>. With less history the note "
        "says the KPI <i>may be seasonal</i>: a strong season can then look like an effect. "
        "When several key results link "
        "the same KPI and segment in a quarter they share one estimate, which the test cannot "
        "split between them: the note says <i>shared by</i> how many, and a count of verdicts "
        "counts it once. When the key result names a segment, the same test is run on that "
        "segment minus the average of the others (<i>vs other segments</i>). Guardrails apply "
        "the same test to every KPI and list those that got worse.</p>",
    ),
    (
        "Confidence calibration and grades over time",
        "<p>Over the quarters that have ended, each key result's confidence at mid-quarter is "
        "set against whether it was done. The Brier score is the average squared gap between "
        "confidence and outcome (0 is perfect; always saying 50% scores 0.25); teams with fewer "
        f"than {review.MIN_GRADED} graded key results get no score. Aspirational objectives "
        "should land around 0.6 to 0.7: a team whose average is 0.9 or more in most quarters "
        "sets goals that are too safe, 0.3 or less in most quarters goals out of reach.</p>",
    ),
    (
        "Data quality",
        "<p>What the data files allow but a reader should know: a KPI with no observations, a "
        "key result with no check-ins (its progress then comes from its KPI, if linked), a "
        "check-in dated outside its key result's quarter, a segment with no history, a file "
        "with a header and no rows, values about 100 times off the rest of their series "
        "(fractions mixed with percentage points), a key result whose start or target is ten "
        "times or more outside what its KPI was ever observed at. Findings about this quarter's "
        "key results are listed first; those about the files or KPIs as a whole are marked "
        "<i>whole workbook</i>.</p>",
    ),
)
