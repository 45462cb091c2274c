// Today's KPIs for the wallboard, from the call records (and callback stats when served).
"use strict";

const WallboardKpis = (() => {
  const SERVICE_SECONDS = 20; // answered within this long counts toward the service level
  const ABANDONED = new Set(["abandoned", "short_hangup"]);

  function midnight() {
    const day = new Date();
    day.setHours(0, 0, 0, 0);
    return day.toISOString();
  }

  function fromCalls(calls) {
    const offered = calls.length;
    const answered = calls.filter((c) => c.answered_at);
    const abandoned = calls.filter((c) => ABANDONED.has(c.outcome)).length;
    const settled = calls.filter((c) => c.answered_at || c.ended_at).length;
    const waits = answered.map((c) => c.wait_seconds).filter((w) => typeof w === "number");
    const quick = waits.filter((w) => w <= SERVICE_SECONDS).length;
    return {
      offered,
      answered: answered.length,
      abandoned,
      answer_rate: settled ? answered.length / settled : null,
      service_level: settled ? quick / settled : null,
      average_wait: waits.length ? waits.reduce((a, b) => a + b, 0) / waits.length : null,
    };
  }

  async function callbacks() {
    try {
      const stats = await CC.api("GET", "/api/callbacks/stats");
      return {
        callbacks_pending: stats.pending ?? stats.callbacks_pending ?? null,
        callbacks_done: stats.done ?? stats.reached ?? stats.callbacks_done ?? null,
      };
    } catch (_) {
      return { callbacks_pending: null, callbacks_done: null };
    }
  }

  async function today() {
    const calls = await CC.api("GET", `/api/calls?limit=500&since=${encodeURIComponent(midnight())}`);
    return { ...fromCalls(calls), ...(await callbacks()) };
  }

  return { today, fromCalls };
})();
