// Shared by the wallboard and the desk: labels, API calls, the live channel, small helpers.
"use strict";

const CC = (() => {
  const json = (id) => JSON.parse(document.getElementById(id).textContent);
  const LABELS = json("labels");
  let lang = localStorage.getItem("cc.lang") || document.documentElement.dataset.lang || "zh";
  const onLanguage = [];

  function t(key, fallback) {
    const table = LABELS[lang] || LABELS.zh;
    return table[key] ?? fallback ?? key;
  }

  function applyLabels(root = document) {
    root.querySelectorAll("[data-i18n]").forEach((node) => {
      node.textContent = t(node.dataset.i18n);
    });
    root.querySelectorAll("[data-i18n-placeholder]").forEach((node) => {
      node.placeholder = t(node.dataset.i18nPlaceholder);
    });
    document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
  }

  function setLanguage(next) {
    lang = next;
    localStorage.setItem("cc.lang", lang);
    applyLabels();
    onLanguage.forEach((callback) => callback());
  }

  function describe(payload, status) {
    if (!payload) return `HTTP ${status}`;
    const detail = payload.detail ?? payload;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) {
      return detail.map((d) => `${d.field ?? (d.loc || []).join(".")}: ${d.message ?? d.msg}`).join("; ");
    }
    return detail.reason ?? JSON.stringify(detail);
  }

  // The session's anti-forgery token: every request that changes something carries it.
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function signIn() {
    location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
  }

  async function api(method, path, body) {
    const init = { method, headers: {}, credentials: "same-origin" };
    if (method !== "GET") init.headers["X-CSRF-Token"] = csrf();
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    let payload = null;
    try {
      payload = await response.json();
    } catch (_) {
      payload = null;
    }
    if (response.status === 401) signIn(); // the session ended (signed out, revoked, expired)
    if (!response.ok) {
      const error = new Error(describe(payload, response.status));
      error.status = response.status;
      throw error;
    }
    return payload;
  }

  // The live channel: reconnects with a growing pause; the first message is always a snapshot.
  function connect(onMessage, onStatus) {
    let delay = 250;
    const open = () => {
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      const socket = new WebSocket(`${scheme}://${location.host}/api/live`);
      socket.onopen = () => {
        delay = 250;
        onStatus(true);
      };
      socket.onmessage = (event) => onMessage(JSON.parse(event.data));
      socket.onclose = (event) => {
        onStatus(false);
        if (event.code === 4401) return signIn(); // the session was revoked: sign in again
        setTimeout(open, delay);
        delay = Math.min(delay * 2, 5000);
      };
    };
    open();
  }

  function duration(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const rest = String(s % 60).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
  }

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function toast(message, kind = "info") {
    const box = document.getElementById("toasts");
    if (!box) return;
    const item = el("div", { class: `toast ${kind}`, role: "status", text: message });
    box.append(item);
    setTimeout(() => item.remove(), 5000);
  }

  // The server's clock, from the snapshot's "at", so times in state do not depend on the PC's clock.
  let skew = 0;
  function syncClock(iso) {
    if (iso) skew = Date.now() / 1000 - Date.parse(iso) / 1000;
  }
  const serverNow = () => Date.now() / 1000 - skew;

  function init() {
    applyLabels();
    const toggle = document.getElementById("lang-toggle");
    if (toggle) toggle.addEventListener("click", () => setLanguage(lang === "zh" ? "en" : "zh"));
    const signOut = document.getElementById("sign-out");
    if (signOut) {
      signOut.addEventListener("click", async () => {
        try {
          await api("POST", "/api/auth/logout");
        } finally {
          location.assign("/login");
        }
      });
    }
  }

  // Every time is shown in the hotline's zone (from the server), whatever zone this PC is in.
  const ZONE = json("config").zone;
  const locale = () => (lang === "en" ? "en-GB" : "zh-CN");
  const time = (value) => new Date(value).toLocaleTimeString(locale(), { timeZone: ZONE });
  const dateTime = (value) => new Date(value).toLocaleString(locale(), { timeZone: ZONE });
  // "UTC+8": shown beside clocks, where a reader in another zone could misread a time.
  function zoneLabel(value = Date.now()) {
    const parts = new Intl.DateTimeFormat("en", { timeZone: ZONE, timeZoneName: "shortOffset" })
      .formatToParts(new Date(value));
    const name = parts.find((part) => part.type === "timeZoneName");
    return name ? name.value.replace("GMT", "UTC") : ZONE;
  }
  // The hotline's today, this week and this month, as the server's calendar says.
  const calendar = () => api("GET", "/api/calendar");

  return {
    t, api, csrf, connect, duration, el, toast, init, syncClock, serverNow, json, time, dateTime,
    zoneLabel, calendar, zone: ZONE,
    onLanguage: (callback) => onLanguage.push(callback),
    get lang() { return lang; },
  };
})();
