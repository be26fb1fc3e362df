"""The timeline of one incident: milestones, events and messages.

:func:`set_milestones` places the milestones from the drawn phase lengths;
the other functions add the events in order (trigger, detections,
declaration, investigations, mitigations, monitoring, resolution), the
status-page updates on a promised cadence and the internal messages.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from incidentkit.checks.engine import CheckPolicy
from incidentkit.figures.communications import DEFAULT_MAX_GAP_BY_LEVEL
from incidentkit.synth._draft import DAY, SEVERITY_LABELS, Clock, Document, Draft
from incidentkit.synth._scenarios import CUSTOMER_REPORT

# Update promises in minutes by severity level: the first and the longest.
# The longest is the default cadence limit (DEFAULT_MAX_GAP_BY_LEVEL), so
# that updates, which come before their promise falls due, keep within it.
# The policy sets no limit for SEV4; there synth promises at most four
# hours. The first promises are synth's own choice, never above the longest.
_FIRST_PROMISE_MINUTES: Final = (15, 15, 30, 60, 60)
_UNLIMITED_PROMISE_MINUTES: Final = 240
_LONGEST_PROMISE_MINUTES: Final = tuple(
    DEFAULT_MAX_GAP_BY_LEVEL[level] // timedelta(minutes=1)
    if level in DEFAULT_MAX_GAP_BY_LEVEL
    else _UNLIMITED_PROMISE_MINUTES
    for level in range(len(SEVERITY_LABELS))
)
_PROMISE_MINUTES: Final = tuple(
    (min(first, longest), longest)
    for first, longest in zip(
        _FIRST_PROMISE_MINUTES, _LONGEST_PROMISE_MINUTES, strict=True
    )
)
# Resolved incidents at this level or more severe need a scheduled
# postmortem by the default checks (IK507).
_POSTMORTEM_MAX_LEVEL: Final = CheckPolicy().postmortem_max_level
# Kinds of events beyond the milestones, with the cumulative share of each.
_FILLERS: Final = (
    ("detect", 0.10),
    ("investigate", 0.45),
    ("escalate", 0.53),
    ("mitigate", 0.70),
    ("verify", 0.82),
    ("monitor", 1.0),
)


def _minutes_text(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} minutes"
    hours = minutes // 60
    return "1 hour" if hours == 1 else f"{hours} hours"


def _promise_text(minutes: int, form: int) -> str:
    span = _minutes_text(minutes)
    if form == 0:
        return f"We will provide an update within {span}."
    if form == 1:
        return f"Next update in {span}."
    return f"We will provide another update in {span}."


def set_milestones(x: Draft, phases: list[int], t0: int, is_open: bool) -> None:
    """The milestones from the trigger and the phase lengths; open or not."""
    d = x.d
    x.t0 = t0
    x.t_det = t0 + phases[0]
    x.t_decl = x.t_det + phases[1]
    x.t_id = x.t_decl + phases[2]
    x.t_mit = x.t_id + phases[3]
    x.t_res = x.t_mit + phases[4]
    if is_open:
        # The record was written partway through the phase it is in.
        r = d.u()
        if r < 0.4:
            x.status = "investigating"
            x.end = x.t_decl + max(1, int(d.u() * phases[2]))
        elif r < 0.7:
            x.status = "identified"
            x.end = x.t_id + max(1, int(d.u() * phases[3]))
        else:
            x.status = "monitoring"
            x.end = x.t_mit + max(1, int(d.u() * phases[4]))
    else:
        x.status = "resolved"
        x.end = x.t_res
    x.reached_id = x.status != "investigating"
    x.reached_mit = x.status in ("monitoring", "resolved")
    x.resolved = x.status == "resolved"


def _detection(x: Draft, ts: int) -> None:
    d = x.d
    # Only customer-facing incidents get reported by customers.
    detections = x.text.detections
    how = detections[d.below(len(detections) - (not x.customer_facing))]
    actor, text, source, prefix = how
    meta: Document
    if source == CUSTOMER_REPORT:
        meta = {"source": source, "ticket_count": x.fields["tickets"]}
    else:
        meta = {"alert_id": f"{prefix}-{d.integer(10000, 99999)}", "source": source}
    x.event(ts, 1, "detection", actor, x.fill(text), meta)


def milestone_events(x: Draft) -> None:
    """The trigger, first detection, declaration, identification, mitigation."""
    d = x.d
    scenario = x.scenario
    value = round(scenario.threshold * d.between(1.05, 3.0), 1)
    meta = {"metric": scenario.metric, "value": value, "threshold": scenario.threshold}
    x.event(x.t0, 0, "trigger", "system", x.fill(scenario.trigger), meta)
    _detection(x, x.t_det)
    x.channel = f"#inc-{x.iso(x.t_decl)[:10].replace('-', '')}-{x.service.name}"
    text = f"{x.label} declared. Incident channel {x.channel} created."
    if x.sev <= 1:
        text += " Bridge call started."
    meta = {"channel": x.channel, "severity": x.label}
    x.event(x.t_decl, 2, "declaration", x.commander, text, meta)
    # Customer-facing incidents mark the cause identified on the status page
    # half of the time; otherwise an investigation event carries the status.
    x.id_via_comm = x.customer_facing and d.chance(0.5)
    if x.reached_id and not x.id_via_comm:
        actor = d.pick(x.investigators)
        text = x.fill(scenario.identified)
        x.event(x.t_id, 3, "investigation", actor, text, {"status": "identified"})
    if x.reached_mit:
        text = x.fill(scenario.mitigations[-1])
        x.event(x.t_mit, 4, "mitigation", x.ops, text, {"action": "final_mitigation"})


def _status_texts(x: Draft) -> tuple[dict[str, str], dict[str, str]]:
    feature = x.service.feature
    symptom = x.scenario.symptom
    opening = {
        "investigating": f"Investigating - We are investigating {symptom} "
        f"affecting {feature}.",
        "identified": "Identified - The issue has been identified as "
        f"{x.scenario.cause_short}. We are implementing a fix.",
        "monitoring": "Monitoring - A fix has been implemented and we are "
        "monitoring the results.",
        "resolved": "Resolved - This incident has been resolved. "
        f"{feature[0].upper() + feature[1:]} is operating normally.",
    }
    continuing = {
        "investigating": f"Update - We are continuing to investigate {symptom} "
        f"affecting {feature}.",
        "identified": "Update - We are continuing to work on a fix for this issue.",
        "monitoring": "Update - We are continuing to monitor for any further issues.",
    }
    return opening, continuing


def _status_changes(x: Draft) -> list[tuple[int, str]]:
    """When the status page moves to each status, in order."""
    d = x.d
    states: list[tuple[int, str]] = []
    first = x.t_decl + max(60, int(d.lognormal(360.0, 0.5)))
    if not x.resolved:
        # An open record written before the first update would be a
        # customer-facing incident without one: it was written just after.
        first = min(first, x.end)
    if first < x.t_id and first <= x.end:
        states.append((first, "investigating"))
    if x.reached_id:
        if x.id_via_comm:
            states.append((x.t_id, "identified"))
        else:
            bound = x.t_mit if x.reached_mit else x.end
            delay = min(int(d.lognormal(300.0, 0.5)), (bound - x.t_id) // 2)
            states.append((x.t_id + delay, "identified"))
    if x.reached_mit:
        bound = x.t_res if x.resolved else x.end
        delay = min(int(d.lognormal(240.0, 0.5)), (bound - x.t_mit) // 2)
        states.append((x.t_mit + delay, "monitoring"))
    if x.resolved:
        states.append((x.t_res, "resolved"))
    return states


def status_page(x: Draft) -> None:
    """External updates: a status change, then updates on a promised cadence.

    Each update comes before its promise falls due (60-95 % of it), so that
    promises are kept, and long phases slow the cadence down within the
    default cadence policy, as status pages do. A record with the
    ``broken_promise`` imperfection has one update come late.
    """
    if not x.customer_facing:
        return
    d = x.d
    opening, continuing = _status_texts(x)
    phase_of = {
        "investigating": 3,
        "identified": 3 if x.id_via_comm else 4,
        "monitoring": 5,
        "resolved": 6,
    }
    first_promise, longest_promise = _PROMISE_MINUTES[x.sev]
    late_pending = x.flaw == "broken_promise"
    states = _status_changes(x)
    for i, (ts, state) in enumerate(states):
        meta = {"channel": "status_page", "status": state}
        text = opening[state]
        x.event(
            ts,
            phase_of[state],
            "communication",
            x.comms,
            f"Status page updated: {text}",
            meta,
        )
        if state == "resolved":
            if x.sev <= 1 and d.chance(0.6):
                text += " We will publish a full incident report within 48 hours."
            x.message(ts, "status_page", "external", text)
            break
        limit = states[i + 1][0] if i + 1 < len(states) else x.end
        t = ts
        promise = first_promise
        updates = 0
        while True:
            promises = not d.chance(0.1)
            form = d.below(3)
            if promises and late_pending and limit - t > 300:
                late_pending = False
                if limit > t + promise * 60:
                    t_next = min(t + int(d.between(1.2, 2.0) * promise * 60), limit)
                else:
                    # The next status change comes before the usual promise
                    # falls due: promise less time than it will take.
                    promise = max(p for p in (5, 10, 15, 30) if p * 60 < limit - t)
                    t_next = limit
            else:
                t_next = t + int(d.between(0.6, 0.95) * promise * 60)
                # Nobody posts an update minutes before the status changes.
                if t_next > limit - 300 and limit <= t + promise * 60:
                    t_next = limit
            if promises:
                text += " " + _promise_text(promise, form)
            else:
                text += " We will provide more information as it becomes available."
            x.message(t, "status_page", "external", text)
            if t_next >= limit:
                break
            t = t_next
            text = continuing[state]
            updates += 1
            if updates % 4 == 0:
                promise = min(promise * 2, longest_promise)


def internal_messages(x: Draft) -> None:
    """Slack messages announcing the incident and, once resolved, closing it."""
    d = x.d
    ts = x.t_decl + d.integer(30, 180)
    if ts <= x.end:
        x.message(
            ts,
            "slack",
            "internal",
            f"{x.label} declared: {x.title}. IC: {x.commander}. "
            f"Incident channel: {x.channel}.",
        )
    if x.sev <= 1:
        ts = x.t_decl + d.integer(300, 900)
        if ts <= x.end:
            x.message(
                ts,
                "slack_exec",
                "internal",
                f"{x.label} ACTIVE: {x.title}. ~{x.affected_users:,} users "
                f"affected. IC: {x.commander}. Bridge: [link].",
            )
    if x.resolved:
        ts = x.t_res + d.integer(60, 600)
        minutes = (x.t_res - x.t0) // 60
        x.message(
            ts,
            "slack",
            "internal",
            f"{x.label} resolved: {x.title}. Duration {minutes // 60}h "
            f"{minutes % 60:02d}m. Postmortem to follow.",
        )


def _filler_slots(x: Draft, count: int) -> dict[str, list[int]]:
    """Times for ``count`` events beyond the milestones, by kind, sorted."""
    d = x.d
    slots: dict[str, list[int]] = {key: [] for key, _ in _FILLERS}
    top_id = min(x.t_id, x.end)
    top_mit = min(x.t_mit, x.end)
    windows = {
        "detect": (x.t_det, x.t_decl),
        "investigate": (x.t_decl, top_id),
        "escalate": (x.t_decl, top_mit),
        "mitigate": (x.t_id, x.t_mit),
        "verify": (x.t_id, top_mit),
        "monitor": (x.t_mit, x.end),
    }
    for _ in range(count):
        r = d.u()
        kind = next(key for key, cut in _FILLERS if r < cut)
        # Kinds that do not fit this incident become investigations.
        unfit = (
            (kind == "detect" and len(slots["detect"]) >= 4)
            or (kind == "escalate" and (x.sev > 2 or len(slots["escalate"]) >= 3))
            or (kind in ("mitigate", "monitor") and not x.reached_mit)
            or (kind == "verify" and not x.reached_id)
        )
        if unfit:
            kind = "investigate"
        low, high = windows[kind]
        slots[kind].append(low + min(int(d.u() * (high - low + 1)), high - low))
    for times in slots.values():
        times.sort()
    return slots


def filler_events(x: Draft, count: int) -> None:
    """``count`` more events: detections, investigations, escalations..."""
    d = x.d
    scenario = x.scenario
    slots = _filler_slots(x, count)
    text = x.text
    for ts in slots["detect"]:
        _detection(x, ts)
    found = slots["investigate"]
    notes = text.investigations
    offset = d.below(len(notes))
    for j, ts in enumerate(found):
        # The clue to the cause comes last, just before it is identified.
        if j == len(found) - 1:
            note = x.fill(scenario.clue)
        else:
            note = x.fill(notes[(offset + j) % len(notes)])
        x.event(ts, 3, "investigation", d.pick(x.investigators), note, {})
    for ts in slots["escalate"]:
        if x.level <= 1 and d.chance(0.5):
            target = d.pick(("VP Engineering", "Director of Engineering"))
            reason = d.pick(("customer_impact", "revenue_impact"))
        else:
            on_call = (f"{x.fields['other']} on-call", "Database on-call")
            target = d.pick((*on_call, "Network on-call"))
            reason = d.pick(("needs_expertise", "duration"))
        note = f"Escalated to {target}. " + x.fill(text.escalation_reasons[reason])
        phase = 3 if ts <= x.t_id else 4
        x.event(
            ts,
            phase,
            "escalation",
            x.commander,
            note,
            {"escalated_to": target, "reason": reason},
        )
    attempts = [(x.fill(m), "mitigation_attempt") for m in scenario.mitigations[:-1]]
    attempts += [(x.fill(m.text), m.action) for m in text.generic_mitigations]
    for j, ts in enumerate(slots["mitigate"]):
        note, action = attempts[j % len(attempts)]
        x.event(ts, 4, "mitigation", x.ops, note, {"action": action})
    notes = text.verifications
    offset = d.below(len(notes))
    for j, ts in enumerate(slots["verify"]):
        note = x.fill(notes[(offset + j) % len(notes)])
        x.event(ts, 4, "investigation", d.pick(x.investigators), note, {})
    notes = text.monitoring
    offset = d.below(len(notes))
    for j, ts in enumerate(slots["monitor"]):
        stable = (ts - x.t_mit) // 60
        meta: Document
        if stable:
            template = notes[(offset + j) % len(notes)]
            note = template.format(minutes=stable, **x.fields)
            meta = {"monitoring_duration_minutes": stable, "stable": True}
        else:
            note = (
                f"Metrics recovering after the fix. Watching for {x.scenario.symptom}."
            )
            meta = {"stable": False}
        x.event(ts, 5, "investigation", d.pick(x.investigators), note, meta)


def resolution_event(x: Draft, clock: Clock) -> None:
    """The resolution event, last, and the postmortem date when there is one."""
    d = x.d
    x.postmortem = None
    if not x.resolved:
        return
    # Half of the incidents one level milder than required get one too.
    if x.sev <= _POSTMORTEM_MAX_LEVEL or (
        x.sev == _POSTMORTEM_MAX_LEVEL + 1 and d.chance(0.5)
    ):
        day = x.t_res // DAY + d.integer(1, 5)
        if d.chance(0.2):  # some teams only fix the day
            x.postmortem = clock.day(day)
        else:
            x.postmortem = x.iso(day * DAY + d.pick((10, 14, 16)) * 3600)
    feature = x.service.feature
    text = (
        f"Incident resolved. {feature[0].upper() + feature[1:]} is operating normally."
    )
    meta: Document = {}
    if x.postmortem is not None:
        text += f" Postmortem scheduled for {x.postmortem}."
        meta = {"postmortem_scheduled": x.postmortem}
    x.event(x.t_res, 6, "resolution", x.commander, text, meta)
