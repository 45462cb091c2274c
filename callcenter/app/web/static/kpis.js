// Today's KPIs for the wallboard: from /api/stats (work-order statistics) and
// /api/callbacks/stats; from the call records when the statistics are not served.
"use strict";

const WallboardKpis = (() => {
  const SERVICE_SECONDS = 20; // answered within this long counts toward the service level
  const OPEN_CALLBACKS = ["pending", "dialing"];
  const DONE_CALLBACKS = ["reached", "exhausted", "wrong_number"];

  // "Today" is the hotline's today: the server names it (period=today, /api/calendar);
  // the browser's own date may be another day in another zone.
  async function fromStats() {
    const report = await CC.api("GET", "/api/stats?period=today&group_by=day");
    const total = report.total;
    return {
      offered: total.calls_offered,
      answered: total.calls_answered,
      abandoned: total.calls_abandoned,
      answer_rate: total.answer_rate,
      service_level: total.service_level,
      average_wait: total.avg_wait_seconds,
    };
  }

  // The same figures from the call records, for a deployment without the statistics package.
  async function fromCalls(today) {
    const since = encodeURIComponent(today.starts_at);
    const calls = await CC.api("GET", `/api/calls?limit=500&since=${since}`);
    const answered = calls.filter((c) => c.answered_at);
    const waits = answered.map((c) => c.wait_seconds).filter((w) => typeof w === "number");
    const ratio = (part) => (calls.length ? part / calls.length : null);
    return {
      offered: calls.length,
      answered: answered.length,
      abandoned: calls.filter((c) => c.outcome === "abandoned").length,
      answer_rate: ratio(answered.length),
      service_level: ratio(waits.filter((w) => w <= SERVICE_SECONDS).length),
      average_wait: waits.length ? waits.reduce((a, b) => a + b, 0) / waits.length : null,
    };
  }

  async function callbacks(today) {
    const count = (stats, statuses) =>
      statuses.reduce((sum, status) => sum + (stats.by_status[status] || 0), 0);
    try {
      const since = encodeURIComponent(today.starts_at);
      const [all, sinceMidnight] = await Promise.all([
        CC.api("GET", "/api/callbacks/stats"),
        CC.api("GET", `/api/callbacks/stats?since=${since}`),
      ]);
      return {
        callbacks_pending: count(all, OPEN_CALLBACKS),
        callbacks_done: count(sinceMidnight, DONE_CALLBACKS),
      };
    } catch (_) {
      return { callbacks_pending: null, callbacks_done: null };
    }
  }

  async function today() {
    const { today: day } = await CC.calendar();
    const calls = await fromStats().catch(() => fromCalls(day));
    return { ...calls, ...(await callbacks(day)), day: day.from };
  }

  return { today };
})();
