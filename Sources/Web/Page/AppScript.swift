/// The board's script: plain JavaScript, no framework, no external resources (the box is offline).
///
/// It keeps the open alarms live from `GET /api/alarms?state=open` plus the `/api/events` stream,
/// reconnects with backoff when the stream drops (and re-reads the list, since events sent while
/// disconnected are gone), and ignores any snapshot older than the `revision` it already holds, so
/// a late event never puts an acknowledged alarm back on the board. Data from the server reaches
/// the DOM only through `textContent` and attribute setters, never as markup.
enum AppScript {
    static let javascript = #"""
"use strict";
(function () {

// ---- Small helpers ------------------------------------------------------------------------------

const PRIORITIES = ["Emergency", "High", "Medium", "Standard", "Low"];
const RECENT_LIMIT = 15;
const BACKOFF_FIRST_MS = 1000;
const BACKOFF_MAX_MS = 30000;

function $(id) { return document.getElementById(id); }

// Builds an element. Strings among the children become text nodes, so data is never markup.
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "className") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "string" || typeof child === "number" ? String(child) : child);
  }
  return node;
}

function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

function priorityRank(priority) {
  const rank = PRIORITIES.indexOf(priority);
  return rank < 0 ? PRIORITIES.length : rank;
}

function timeOf(iso) {
  const t = Date.parse(iso || "");
  return Number.isNaN(t) ? null : t;
}

function ageText(iso, now) {
  const t = timeOf(iso);
  if (t === null) return "unknown age";
  const seconds = Math.max(0, Math.round((now - t) / 1000));
  if (seconds < 60) return seconds + " s ago";
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return minutes + " min ago";
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return hours + " h " + (minutes % 60) + " min ago";
  return Math.floor(hours / 24) + " days ago";
}

function clockText(iso) {
  const t = timeOf(iso);
  return t === null ? "" : new Date(t).toLocaleString();
}

// The server's refusal, in its own words: `{"error":{"field":…,"message":…}}`.
class ApiError extends Error {
  constructor(status, message, field) {
    super(message);
    this.status = status;
    this.field = field || null;
  }
}

async function api(method, path, body) {
  const options = { method, headers: { "Accept": "application/json" }, credentials: "same-origin", cache: "no-store" };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch (error) {
    throw new ApiError(0, "The gateway cannot be reached (" + method + " " + path + "). Check the network and try again.");
  }
  const text = await response.text();
  let json = null;
  if (text) {
    try { json = JSON.parse(text); } catch (error) { json = null; }
  }
  if (!response.ok) {
    const detail = json && json.error ? json.error : null;
    const message = detail && detail.message ? detail.message : "The gateway answered HTTP " + response.status + " to " + method + " " + path + ".";
    throw new ApiError(response.status, message, detail ? detail.field : null);
  }
  return json;
}

// A list endpoint answers `{"groups":[…]}`; accept a bare array too.
function listOf(json, key) {
  if (Array.isArray(json)) return json;
  if (json && Array.isArray(json[key])) return json[key];
  return [];
}

function showText(id, text) {
  const node = $(id);
  node.textContent = text || "";
}

// ---- Alarm state --------------------------------------------------------------------------------

const state = {
  open: new Map(),        // id → alarm on the board
  recent: [],             // ended or acknowledged alarms, newest first
  revisions: new Map(),   // id → highest revision seen, open or not
  confirmEnd: new Map(),  // id → until when a second press of End ends the alarm
  applied: new Map(),     // id → local sequence number of the last change applied
  sequence: 0,
  groups: [],
  members: [],
  phones: [],
};

function leavesBoard(alarm) {
  return alarm.state === "ended" || alarm.state === "acknowledged";
}

// Applies one alarm snapshot unless an equal or newer one was already seen. Returns whether it did.
function applyAlarm(alarm, change) {
  if (!alarm || typeof alarm.id !== "number") return false;
  const known = state.revisions.get(alarm.id);
  const revision = typeof alarm.revision === "number" ? alarm.revision : 0;
  if (known !== undefined && revision < known) return false;
  if (known !== undefined && revision === known && change !== "refresh") return false;
  state.revisions.set(alarm.id, revision);
  state.sequence += 1;
  state.applied.set(alarm.id, state.sequence);
  const wasOpen = state.open.has(alarm.id);
  if (leavesBoard(alarm)) {
    state.open.delete(alarm.id);
    addRecent(alarm);
    if (wasOpen) announce("Alarm " + alarm.id + " " + (alarm.state === "acknowledged" ? "acknowledged" : "ended") + ": " + alarm.text);
  } else {
    state.open.set(alarm.id, alarm);
    if (!wasOpen && known === undefined && change !== "refresh") {
      announce("New " + alarm.priority + " alarm for group " + (alarm.routedGroup || alarm.group || alarm.phone || "?") + ": " + alarm.text);
    }
  }
  return true;
}

function addRecent(alarm) {
  state.recent = state.recent.filter(function (other) { return other.id !== alarm.id; });
  state.recent.unshift(alarm);
  state.recent.sort(function (a, b) { return (endTime(b) || 0) - (endTime(a) || 0); });
  if (state.recent.length > RECENT_LIMIT) state.recent.length = RECENT_LIMIT;
}

function endTime(alarm) {
  return timeOf(alarm.endedAt) || timeOf(alarm.acknowledgedAt) || timeOf(alarm.updatedAt);
}

function announce(text) {
  const node = $("announcer");
  node.textContent = "";
  // A fresh text node makes screen readers speak it even when it repeats the last announcement.
  window.setTimeout(function () { node.textContent = text; }, 50);
}

// ---- Rendering the board ------------------------------------------------------------------------

function sortedOpen() {
  return Array.from(state.open.values()).sort(function (a, b) {
    const byPriority = priorityRank(a.priority) - priorityRank(b.priority);
    if (byPriority !== 0) return byPriority;
    return (timeOf(b.receivedAt) || 0) - (timeOf(a.receivedAt) || 0);
  });
}

function renderBoard() {
  const now = Date.now();
  const list = $("open-alarms");
  // Keep focus on a button that survives the redraw (keyboard users acknowledging in a row).
  const focused = document.activeElement;
  const focusKey = focused && focused.dataset ? focused.dataset.focusKey : null;
  clear(list);
  const open = sortedOpen();
  for (const alarm of open) list.append(alarmCard(alarm, now, true));
  $("open-count").textContent = String(open.length);
  $("open-empty").hidden = open.length > 0;
  document.title = (open.length > 0 ? "(" + open.length + ") " : "") + "Tocsin alarm board";

  const ended = $("ended-alarms");
  clear(ended);
  for (const alarm of state.recent) ended.append(alarmCard(alarm, now, false));
  $("ended-empty").hidden = state.recent.length > 0;

  if (focusKey) {
    const again = document.querySelector('[data-focus-key="' + CSS.escape(focusKey) + '"]');
    if (again) again.focus();
  }
}

function alarmCard(alarm, now, isOpen) {
  const priority = PRIORITIES.includes(alarm.priority) ? alarm.priority : "Standard";
  const target = alarm.routedGroup || alarm.group;
  const groupName = groupLabel(target);
  const titleId = "alarm-" + alarm.id + (isOpen ? "-open" : "-ended") + "-title";
  const card = el("li", {
    className: "alarm priority-" + priority.toLowerCase() + (isOpen ? "" : " is-closed"),
    "data-alarm-id": alarm.id,
    "data-state": alarm.state,
    "data-revision": alarm.revision,
    "aria-labelledby": titleId,
  });

  const head = el("div", { className: "alarm-head" },
    el("span", { className: "priority-badge", "data-priority": priority }, priority),
    el("span", { className: "alarm-group" }, target ? "Group " + target + (groupName ? " · " + groupName : "") : "Phone " + (alarm.phone || "?")),
    el("span", { className: "alarm-state", "data-state": alarm.state }, stateText(alarm)),
  );
  card.append(head);
  card.append(el("p", { className: "alarm-text", id: titleId }, alarm.text || "(no text)"));

  const meta = el("p", { className: "alarm-meta" });
  meta.append(el("time", { className: "alarm-age", datetime: alarm.receivedAt, title: clockText(alarm.receivedAt), "data-received": alarm.receivedAt }, ageText(alarm.receivedAt, now)));
  meta.append(" · #" + alarm.id);
  if (alarm.source) meta.append(" · from " + (alarm.source.kind || "") + (alarm.source.name ? " " + alarm.source.name : ""));
  if (alarm.callbackNumber) meta.append(" · call back " + alarm.callbackNumber);
  card.append(meta);
  if (alarm.routingNote) card.append(el("p", { className: "alarm-note" }, alarm.routingNote));

  if (!isOpen) {
    const closed = [];
    if (alarm.acknowledgedAt) closed.push("Acknowledged by " + (alarm.acknowledgedBy || "unknown") + " at " + clockText(alarm.acknowledgedAt));
    if (alarm.endedAt) closed.push("Ended (" + (alarm.endReason || "unknown reason") + ")" + (alarm.endedBy ? " by " + alarm.endedBy : "") + " at " + clockText(alarm.endedAt));
    if (closed.length) card.append(el("p", { className: "alarm-closed" }, closed.join(". ")));
  }

  const deliveries = Array.isArray(alarm.deliveries) ? alarm.deliveries : [];
  if (deliveries.length === 0) {
    card.append(el("p", { className: "deliveries-none" }, isOpen ? "No phone reached yet." : "No phone was reached."));
  } else {
    const list = el("ul", { className: "deliveries", "aria-label": "Delivery to phones" });
    for (const delivery of deliveries) {
      list.append(el("li", { className: "delivery status-" + delivery.status, "data-phone-id": delivery.phoneId, "data-status": delivery.status, title: delivery.lastOutcome || "" },
        el("span", { className: "delivery-name" }, (delivery.name || "Phone " + delivery.phoneId)),
        " ",
        el("span", { className: "delivery-status" }, delivery.status),
        delivery.attempts > 1 ? el("span", { className: "delivery-attempts" }, " (" + delivery.attempts + " attempts)") : null,
      ));
    }
    card.append(list);
  }

  if (isOpen) {
    const label = "alarm " + alarm.id + ": " + (alarm.text || "");
    const actions = el("div", { className: "alarm-actions" });
    actions.append(el("button", {
      type: "button", className: "acknowledge", "data-action": "acknowledge", "data-alarm-id": alarm.id,
      "data-focus-key": "ack-" + alarm.id, "aria-label": "Acknowledge " + label,
      onclick: function (event) { acknowledge(alarm.id, event.currentTarget); },
    }, "Acknowledge"));
    const confirming = (state.confirmEnd.get(alarm.id) || 0) > now;
    actions.append(el("button", {
      type: "button", className: "end secondary", "data-action": "end", "data-alarm-id": alarm.id,
      "data-focus-key": "end-" + alarm.id, "data-confirm": confirming ? "yes" : null,
      "aria-label": confirming ? "Confirm: end " + label : "End " + label,
      onclick: function () { endAlarm(alarm.id); },
    }, confirming ? "Confirm end" : "End"));
    card.append(actions);
  }
  return card;
}

function stateText(alarm) {
  switch (alarm.state) {
    case "received": return "Received";
    case "dispatching": return "Sending";
    case "delivered": return "Delivered";
    case "escalating": return "Escalating";
    case "acknowledged": return "Acknowledged";
    case "ended": return "Ended" + (alarm.endReason ? " (" + alarm.endReason + ")" : "");
    default: return String(alarm.state || "unknown");
  }
}

function groupLabel(number) {
  if (!number) return "";
  const group = state.groups.find(function (g) { return g.number === number; });
  return group ? group.name : "";
}

// Ages tick without a redraw, so focus and screen-reader position are left alone.
function refreshAges() {
  const now = Date.now();
  for (const node of document.querySelectorAll("time.alarm-age")) {
    node.textContent = ageText(node.getAttribute("data-received"), now);
  }
}

// ---- Acting on alarms ---------------------------------------------------------------------------

async function acknowledge(id, button) {
  button.disabled = true;
  showText("board-message", "");
  try {
    const alarm = await api("POST", "/api/alarms/" + id + "/acknowledge", {});
    applyAlarm(alarm, "acknowledged");
    showText("board-message", "Alarm " + id + " acknowledged.");
    renderBoard();
    $("open-alarms-heading").focus();
  } catch (error) {
    showText("board-message", "Alarm " + id + " was not acknowledged: " + error.message);
    button.disabled = false;
    renderBoard();
    if (error.status === 409 || error.status === 404) refreshAlarms();
  }
}

// Ending an alarm is final, so it takes a second press within a few seconds. The pending
// confirmation lives in `state`, not in the button, because an event may redraw the card between
// the two presses.
const CONFIRM_MS = 5000;

async function endAlarm(id) {
  const now = Date.now();
  if ((state.confirmEnd.get(id) || 0) <= now) {
    state.confirmEnd.set(id, now + CONFIRM_MS);
    renderBoard();
    window.setTimeout(function () {
      if ((state.confirmEnd.get(id) || 0) <= Date.now()) { state.confirmEnd.delete(id); renderBoard(); }
    }, CONFIRM_MS + 50);
    return;
  }
  state.confirmEnd.delete(id);
  const button = document.querySelector('#open-alarms button[data-action="end"][data-alarm-id="' + id + '"]');
  if (button) button.disabled = true;
  try {
    const alarm = await api("POST", "/api/alarms/" + id + "/end", { reason: "Operator" });
    applyAlarm(alarm, "ended");
    showText("board-message", "Alarm " + id + " ended.");
    renderBoard();
    $("open-alarms-heading").focus();
  } catch (error) {
    showText("board-message", "Alarm " + id + " was not ended: " + error.message);
    renderBoard();
    if (error.status === 409 || error.status === 404) refreshAlarms();
  }
}

async function raiseAlarm(event) {
  event.preventDefault();
  const group = $("raise-group").value;
  const text = $("raise-text").value.trim();
  const priority = $("raise-priority").value;
  showText("raise-error", "");
  showText("raise-result", "");
  $("raise-group").removeAttribute("aria-invalid");
  $("raise-text").removeAttribute("aria-invalid");
  const button = $("raise-submit");
  button.disabled = true;
  try {
    const alarm = await api("POST", "/api/alarms", { group: group, text: text, priority: priority });
    applyAlarm(alarm, "raised");
    renderBoard();
    $("raise-text").value = "";
    showText("raise-result", "Alarm " + alarm.id + " raised for group " + (alarm.routedGroup || alarm.group || group) + ".");
  } catch (error) {
    showText("raise-error", error.message);
    const field = error.field === "group" ? "raise-group" : error.field === "text" ? "raise-text" : error.field === "priority" ? "raise-priority" : null;
    if (field) {
      $(field).setAttribute("aria-invalid", "true");
      $(field).focus();
    }
  } finally {
    button.disabled = false;
  }
}

// ---- Loading the open alarms and the live stream ------------------------------------------------

let refreshing = null;

// Reads the open list and reconciles it with what events already brought. An alarm missing from
// the list was ended while we were not listening, unless an event changed it after the read began.
function refreshAlarms() {
  if (refreshing) return refreshing;
  const startedAt = state.sequence;
  refreshing = (async function () {
    try {
      const [open, ended] = await Promise.all([
        api("GET", "/api/alarms?state=open"),
        api("GET", "/api/alarms?state=ended&limit=" + RECENT_LIMIT),
      ]);
      const openList = listOf(open, "alarms");
      const seen = new Set();
      for (const alarm of openList) { seen.add(alarm.id); applyAlarm(alarm, "refresh"); }
      for (const alarm of listOf(ended, "alarms")) applyAlarm(alarm, "refresh");
      for (const id of Array.from(state.open.keys())) {
        if (!seen.has(id) && (state.applied.get(id) || 0) <= startedAt) {
          state.open.delete(id);
          fetchClosed(id);
        }
      }
      showText("board-message", "");
      renderBoard();
    } catch (error) {
      showText("board-message", "Could not load the open alarms: " + error.message);
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

// An alarm that left the open list while we were not listening: fetch how it ended.
async function fetchClosed(id) {
  try {
    const alarm = await api("GET", "/api/alarms/" + id);
    if (applyAlarm(alarm, "refresh")) renderBoard();
  } catch (error) {
    // Unknown now (pruned): it is already off the board, which is all that matters here.
  }
}

let source = null;
let backoff = BACKOFF_FIRST_MS;
let reconnectTimer = null;
let everConnected = false;

function connect() {
  if (reconnectTimer) { window.clearTimeout(reconnectTimer); reconnectTimer = null; }
  if (source) source.close();
  source = new EventSource("/api/events");
  source.addEventListener("open", function () {
    backoff = BACKOFF_FIRST_MS;
    setConnected(true);
    // Events sent while we were away are lost; the list is the truth.
    refreshAlarms();
  });
  source.addEventListener("alarm", function (message) {
    let data;
    try { data = JSON.parse(message.data); } catch (error) { return; }
    if (data && applyAlarm(data.alarm, data.change)) renderBoard();
  });
  // EventSource retries on its own at a fixed pace; we take over to back off and to show it.
  source.addEventListener("error", lostConnection);
}

function lostConnection() {
  if (reconnectTimer) return;
  if (source) { source.close(); source = null; }
  setConnected(false);
  const wait = backoff;
  backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
  showText("connection-banner-detail", "Reconnecting in " + Math.round(wait / 1000) + " s… The alarms shown may be out of date.");
  reconnectTimer = window.setTimeout(connect, wait);
}

// A connection that dies without a reset (a pulled cable, a sleeping laptop) can leave the event
// stream looking open for minutes, and the stream's keepalive comments are invisible to scripts.
// So the page asks for /api/health now and then, and treats no answer as a lost connection.
const HEALTH_INTERVAL_MS = 20000;
const HEALTH_TIMEOUT_MS = 8000;

async function checkHealth() {
  if (!source || source.readyState !== EventSource.OPEN) return;
  const abort = new AbortController();
  const timer = window.setTimeout(function () { abort.abort(); }, HEALTH_TIMEOUT_MS);
  try {
    // Any answer, even an error status, proves the path to the gateway works.
    await fetch("/api/health", { cache: "no-store", credentials: "same-origin", signal: abort.signal });
  } catch (error) {
    lostConnection();
  } finally {
    window.clearTimeout(timer);
  }
}

function setConnected(connected) {
  if (connected) everConnected = true;
  $("connection-banner").hidden = connected;
  document.body.classList.toggle("disconnected", !connected);
  const indicator = $("connection-state");
  indicator.textContent = connected ? "Live" : (everConnected ? "Connection lost" : "Not connected");
  indicator.className = "connection " + (connected ? "live" : "lost");
}

// ---- Directory: groups, members, phones --------------------------------------------------------

async function loadDirectory() {
  try {
    const [groups, members, phones] = await Promise.all([
      api("GET", "/api/groups"), api("GET", "/api/members"), api("GET", "/api/phones"),
    ]);
    state.groups = listOf(groups, "groups").sort(function (a, b) { return String(a.number).localeCompare(String(b.number), undefined, { numeric: true }); });
    state.members = listOf(members, "members").sort(function (a, b) { return String(a.name).localeCompare(String(b.name)); });
    state.phones = listOf(phones, "phones").sort(function (a, b) { return String(a.name).localeCompare(String(b.name)); });
    showText("group-error", "");
  } catch (error) {
    showText("group-error", "Could not load the directory: " + error.message);
  }
  renderDirectory();
  renderBoard();
}

function renderDirectory() {
  renderRaiseGroups();
  renderGroups();
  renderMembers();
  renderPhones();
  renderMemberPhoneOptions();
  renderGroupMemberPicker();
}

function renderRaiseGroups() {
  const select = $("raise-group");
  const previous = select.value;
  clear(select);
  if (state.groups.length === 0) {
    select.append(el("option", { value: "" }, "No groups yet: create one under Groups"));
    return;
  }
  for (const group of state.groups) {
    select.append(el("option", { value: group.number }, group.number + " · " + group.name));
  }
  if (state.groups.some(function (g) { return g.number === previous; })) select.value = previous;
}

function memberName(id) {
  const member = state.members.find(function (m) { return m.id === id; });
  return member ? member.name : "member " + id;
}

function phoneName(id) {
  const phone = state.phones.find(function (p) { return p.id === id; });
  return phone ? phone.name : "phone " + id;
}

function rowActions(kind, item, label, onEdit, onDelete) {
  const cell = el("td", { className: "row-actions" });
  cell.append(el("button", { type: "button", className: "secondary", "data-action": "edit-" + kind, "data-id": item.id, "aria-label": "Edit " + label, onclick: onEdit }, "Edit"));
  cell.append(el("button", {
    type: "button", className: "danger", "data-action": "delete-" + kind, "data-id": item.id, "aria-label": "Delete " + label,
    onclick: function (event) { confirmThen(event.currentTarget, "Delete " + label, onDelete); },
  }, "Delete"));
  return cell;
}

// Deleting asks for a second press of the same button, as ending an alarm does.
function confirmThen(button, label, action) {
  if (button.dataset.confirm === "yes") { action(); return; }
  button.dataset.confirm = "yes";
  button.textContent = "Confirm delete";
  button.setAttribute("aria-label", "Confirm: " + label);
  window.setTimeout(function () {
    if (button.isConnected) { button.dataset.confirm = ""; button.textContent = "Delete"; button.setAttribute("aria-label", label); }
  }, 5000);
}

function renderGroups() {
  const body = $("groups-table").tBodies[0];
  clear(body);
  if (state.groups.length === 0) body.append(el("tr", {}, el("td", { colspan: 7, className: "empty" }, "No groups yet.")));
  for (const group of state.groups) {
    const label = "group " + group.number + " " + group.name;
    const members = (group.members || []).map(memberName).join(", ");
    body.append(el("tr", { "data-group-id": group.id, "data-group-number": group.number },
      el("td", {}, group.number),
      el("td", {}, group.name),
      el("td", {}, members || "none"),
      el("td", {}, group.rule === "all" ? "all" : "any"),
      el("td", {}, String(group.repetitions || 0) + (group.repetitions ? " every " + group.repeatInterval + " s" : "")),
      el("td", { className: "escalation", "data-escalation": group.escalation ? "yes" : "no" }, escalationText(group.escalation)),
      rowActions("group", group, label, function () { editGroup(group); }, function () { deleteItem("groups", group.id, "group", "Group " + group.number); }),
    ));
  }
}

function renderMembers() {
  const body = $("members-table").tBodies[0];
  clear(body);
  if (state.members.length === 0) body.append(el("tr", {}, el("td", { colspan: 5, className: "empty" }, "No members yet.")));
  for (const member of state.members) {
    const label = "member " + member.name;
    const presence = el("select", { "aria-label": "Presence of " + member.name, "data-member-id": member.id });
    for (const option of $("member-presence").options) presence.append(el("option", { value: option.value }, option.textContent));
    presence.value = member.presence;
    presence.addEventListener("change", function () { setPresence(member, presence.value, presence); });
    body.append(el("tr", { "data-member-id": member.id },
      el("td", {}, member.name),
      el("td", {}, member.userName),
      el("td", {}, phoneName(member.phoneId)),
      el("td", { className: "presence presence-" + member.presence }, presence, member.presenceMessage ? el("span", { className: "presence-message" }, " " + member.presenceMessage) : null),
      rowActions("member", member, label, function () { editMember(member); }, function () { deleteItem("members", member.id, "member", "Member " + member.name); }),
    ));
  }
}

function renderPhones() {
  const body = $("phones-table").tBodies[0];
  clear(body);
  if (state.phones.length === 0) body.append(el("tr", {}, el("td", { colspan: 4, className: "empty" }, "No phones yet.")));
  for (const phone of state.phones) {
    const label = "phone " + phone.name;
    const actions = rowActions("phone", phone, label, function () { editPhone(phone); }, function () { deleteItem("phones", phone.id, "phone", "Phone " + phone.name); });
    actions.prepend(el("button", {
      type: "button", className: "secondary", "data-action": "history-phone", "data-id": phone.id, "aria-expanded": "false",
      "aria-label": "Last five alarms of " + label, onclick: function (event) { togglePhoneHistory(phone, event.currentTarget); },
    }, "Last alarms"));
    body.append(el("tr", { "data-phone-id": phone.id },
      el("td", {}, phone.name),
      el("td", {}, phone.driver),
      el("td", { className: "address" }, phone.address),
      actions,
    ));
  }
}

// The phone's last five alarms, as its Services button lists them (GET /api/phones/{id}/history),
// shown in a row under the phone; pressing the button again hides it.
async function togglePhoneHistory(phone, button) {
  const row = button.closest("tr");
  const shown = row.nextElementSibling && row.nextElementSibling.dataset.historyFor === String(phone.id) ? row.nextElementSibling : null;
  if (shown) {
    shown.remove();
    button.setAttribute("aria-expanded", "false");
    return;
  }
  const cell = el("td", { colspan: 4, className: "phone-history" }, "Loading the last alarms of " + phone.name + "…");
  const detail = el("tr", { "data-history-for": phone.id }, cell);
  row.after(detail);
  button.setAttribute("aria-expanded", "true");
  try {
    const alarms = listOf(await api("GET", "/api/phones/" + phone.id + "/history"), "alarms");
    clear(cell);
    if (alarms.length === 0) {
      cell.append(el("p", { className: "empty" }, "No alarm has been sent to " + phone.name + " yet."));
      return;
    }
    const list = el("ol", { className: "phone-history-list", "aria-label": "Last " + alarms.length + " alarms of " + phone.name + ", newest first" });
    for (const alarm of alarms) {
      const state = alarm.state === "ended" ? "ended" + (alarm.endReason ? " (" + alarm.endReason + ")" : "") : alarm.state;
      list.append(el("li", { "data-alarm-id": alarm.id, className: "priority-" + String(alarm.priority).toLowerCase() },
        el("span", { className: "history-time" }, clockText(alarm.receivedAt)), " · ",
        el("span", { className: "history-priority" }, alarm.priority), " · ",
        el("span", { className: "history-text" }, alarm.text), " · ",
        el("span", { className: "history-state" }, state + (alarm.acknowledgedBy ? ", acknowledged by " + alarm.acknowledgedBy : ""))));
    }
    cell.append(list);
  } catch (error) {
    clear(cell);
    cell.append(el("p", { className: "error", role: "alert" }, error.message));
  }
}

function renderMemberPhoneOptions() {
  const select = $("member-phone");
  const previous = select.value;
  clear(select);
  if (state.phones.length === 0) select.append(el("option", { value: "" }, "Create a phone first"));
  for (const phone of state.phones) select.append(el("option", { value: phone.id }, phone.name + " (" + phone.driver + ")"));
  if (previous && state.phones.some(function (p) { return String(p.id) === previous; })) select.value = previous;
}

async function setPresence(member, presence, select) {
  select.disabled = true;
  showText("member-error", "");
  try {
    // PUT changes only the fields it names; the server refuses fields it does not know, such as id.
    const updated = await api("PUT", "/api/members/" + member.id, { presence: presence });
    await loadDirectory();
    showText("member-result", (updated && updated.name ? updated.name : member.name) + " is now " + presence + ".");
  } catch (error) {
    showText("member-error", error.message);
    select.value = member.presence;
    select.disabled = false;
  }
}

async function deleteItem(collection, id, kind, label) {
  showText(kind + "-error", "");
  try {
    await api("DELETE", "/api/" + collection + "/" + id);
    if (String($(kind + "-id").value) === String(id)) resetForm(kind);
    await loadDirectory();
    showText(kind + "-result", label + " deleted.");
  } catch (error) {
    showText(kind + "-error", error.message);
  }
}

// The group form's member list, in delivery order.
let groupMembers = [];

function renderGroupMemberPicker() {
  groupMembers = groupMembers.filter(function (id) { return state.members.some(function (m) { return m.id === id; }); });
  const list = $("group-members");
  clear(list);
  groupMembers.forEach(function (id, index) {
    const name = memberName(id);
    const member = state.members.find(function (m) { return m.id === id; });
    const item = el("li", { "data-member-id": id },
      el("span", { className: "member-name" }, name),
      member && member.presence !== "available" ? el("span", { className: "presence-note" }, " (" + member.presence + ")") : null,
      el("span", { className: "order-buttons" },
        el("button", { type: "button", className: "secondary small", "aria-label": "Move " + name + " up", disabled: index === 0, onclick: function () { moveMember(index, -1); } }, "Up"),
        el("button", { type: "button", className: "secondary small", "aria-label": "Move " + name + " down", disabled: index === groupMembers.length - 1, onclick: function () { moveMember(index, 1); } }, "Down"),
        el("button", { type: "button", className: "danger small", "aria-label": "Remove " + name + " from the group", onclick: function () { groupMembers.splice(index, 1); renderGroupMemberPicker(); } }, "Remove"),
      ),
    );
    list.append(item);
  });
  $("group-members-empty").hidden = groupMembers.length > 0;
  const picker = $("group-add-member");
  clear(picker);
  const available = state.members.filter(function (m) { return !groupMembers.includes(m.id); });
  if (available.length === 0) picker.append(el("option", { value: "" }, state.members.length ? "All members are in the group" : "Create a member first"));
  for (const member of available) picker.append(el("option", { value: member.id }, member.name + " (" + member.userName + ")"));
  $("group-add-member-button").disabled = available.length === 0;
}

function moveMember(index, step) {
  const target = index + step;
  if (target < 0 || target >= groupMembers.length) return;
  const moved = groupMembers[index];
  groupMembers[index] = groupMembers[target];
  groupMembers[target] = moved;
  renderGroupMemberPicker();
}

function editGroup(group) {
  $("group-id").value = group.id;
  $("group-number").value = group.number;
  $("group-name").value = group.name;
  $("group-rule").value = group.rule === "all" ? "all" : "any";
  $("group-repetitions").value = group.repetitions || 0;
  $("group-repeat-interval").value = group.repeatInterval || 30;
  groupMembers = (group.members || []).slice();
  renderGroupMemberPicker();
  fillEscalation(group.escalation);
  startEditing("group", "Edit group " + group.number, "Save group");
}

// ---- Escalation chains (the group form's "Escalation calls" part) ------------------------------

function escalationText(chain) {
  if (!chain) return "no escalation";
  return "after " + chain.delay + " s: " + (chain.numbers || []).join(", ") + " (" + chain.noAnswerTime + " s each"
    + (chain.answerAcknowledges ? ", an answer acknowledges" : "") + ")";
}

function showEscalationFields() {
  $("group-escalation-fields").hidden = !$("group-escalation-enabled").checked;
}

function fillEscalation(chain) {
  $("group-escalation-enabled").checked = Boolean(chain);
  $("group-escalation-delay").value = chain ? chain.delay : "";
  $("group-escalation-no-answer").value = chain ? chain.noAnswerTime : 30;
  $("group-escalation-numbers").value = chain ? (chain.numbers || []).join("\n") : "";
  $("group-escalation-answer-acknowledges").checked = Boolean(chain && chain.answerAcknowledges);
  showEscalationFields();
}

// The chain as the group's PUT takes it; null removes it. Values go as typed, unchecked here, so
// the ranges live in one place (the server) and its refusal names the field at fault.
function escalationOf() {
  if (!$("group-escalation-enabled").checked) return null;
  return {
    delay: integerOf("group-escalation-delay"),
    noAnswerTime: integerOf("group-escalation-no-answer"),
    numbers: $("group-escalation-numbers").value.split(/[\r\n,]+/).map(function (n) { return n.trim(); }).filter(function (n) { return n !== ""; }),
    answerAcknowledges: $("group-escalation-answer-acknowledges").checked,
  };
}

function editMember(member) {
  $("member-id").value = member.id;
  $("member-name").value = member.name;
  $("member-user-name").value = member.userName;
  $("member-phone").value = String(member.phoneId);
  $("member-presence").value = member.presence;
  $("member-presence-message").value = member.presenceMessage || "";
  startEditing("member", "Edit member " + member.name, "Save member");
}

function editPhone(phone) {
  $("phone-id").value = phone.id;
  $("phone-name").value = phone.name;
  $("phone-driver").value = phone.driver;
  $("phone-address").value = phone.address;
  startEditing("phone", "Edit phone " + phone.name, "Save phone");
}

function startEditing(kind, legend, save) {
  $(kind + "-form-legend").textContent = legend;
  $(kind + "-save").textContent = save;
  $(kind + "-cancel").hidden = false;
  showText(kind + "-error", "");
  showText(kind + "-result", "");
  const first = $(kind + "-form").querySelector("input:not([type=hidden]), select");
  if (first) first.focus();
}

const NEW_LABELS = { group: ["New group", "Create group"], member: ["New member", "Create member"], phone: ["New phone", "Create phone"] };

function resetForm(kind) {
  $(kind + "-form").reset();
  $(kind + "-id").value = "";
  $(kind + "-form-legend").textContent = NEW_LABELS[kind][0];
  $(kind + "-save").textContent = NEW_LABELS[kind][1];
  $(kind + "-cancel").hidden = true;
  for (const node of $(kind + "-form").querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
  if (kind === "group") { groupMembers = []; renderGroupMemberPicker(); showEscalationFields(); }
}

function integerOf(id) {
  const value = Number.parseInt($(id).value, 10);
  return Number.isNaN(value) ? null : value;
}

// Creates or updates (PUT) through the REST API and shows the server's message when refused.
async function saveItem(kind, collection, body, fieldIds, describe) {
  const id = $(kind + "-id").value;
  showText(kind + "-error", "");
  showText(kind + "-result", "");
  for (const node of $(kind + "-form").querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
  const button = $(kind + "-save");
  button.disabled = true;
  try {
    const saved = id ? await api("PUT", "/api/" + collection + "/" + id, body)
                     : await api("POST", "/api/" + collection, body);
    resetForm(kind);
    await loadDirectory();
    // Said only once the tables show the change, so what the message claims is on screen.
    showText(kind + "-result", describe(saved || body) + (id ? " saved." : " created."));
  } catch (error) {
    showText(kind + "-error", error.message);
    const fieldId = error.field ? fieldIds[error.field] : null;
    if (fieldId) { $(fieldId).setAttribute("aria-invalid", "true"); $(fieldId).focus(); }
  } finally {
    button.disabled = false;
  }
}

function wireDirectoryForms() {
  $("group-form").addEventListener("submit", function (event) {
    event.preventDefault();
    saveItem("group", "groups", {
      number: $("group-number").value.trim(),
      name: $("group-name").value.trim(),
      members: groupMembers.slice(),
      rule: $("group-rule").value,
      repetitions: integerOf("group-repetitions"),
      repeatInterval: integerOf("group-repeat-interval"),
      escalation: escalationOf(),
    }, { number: "group-number", name: "group-name", rule: "group-rule", repetitions: "group-repetitions", repeatInterval: "group-repeat-interval", members: "group-add-member",
         escalation: "group-escalation-enabled", "escalation.delay": "group-escalation-delay", "escalation.noAnswerTime": "group-escalation-no-answer",
         "escalation.numbers": "group-escalation-numbers", "escalation.answerAcknowledges": "group-escalation-answer-acknowledges" },
    function (g) { return "Group " + g.number; });
  });
  $("member-form").addEventListener("submit", function (event) {
    event.preventDefault();
    saveItem("member", "members", {
      name: $("member-name").value.trim(),
      userName: $("member-user-name").value.trim(),
      phoneId: integerOf("member-phone"),
      presence: $("member-presence").value,
      presenceMessage: $("member-presence-message").value,
    }, { name: "member-name", userName: "member-user-name", phoneId: "member-phone", presence: "member-presence", presenceMessage: "member-presence-message" },
    function (m) { return "Member " + m.name; });
  });
  $("phone-form").addEventListener("submit", function (event) {
    event.preventDefault();
    saveItem("phone", "phones", {
      name: $("phone-name").value.trim(),
      driver: $("phone-driver").value.trim(),
      address: $("phone-address").value.trim(),
    }, { name: "phone-name", driver: "phone-driver", address: "phone-address" },
    function (p) { return "Phone " + p.name; });
  });
  for (const kind of ["group", "member", "phone"]) {
    $(kind + "-cancel").addEventListener("click", function () { resetForm(kind); });
  }
  $("group-escalation-enabled").addEventListener("change", showEscalationFields);
  $("group-add-member-button").addEventListener("click", function () {
    const id = Number.parseInt($("group-add-member").value, 10);
    if (!Number.isNaN(id) && !groupMembers.includes(id)) groupMembers.push(id);
    renderGroupMemberPicker();
  });
}

// ---- Sections -----------------------------------------------------------------------------------

function showSection() {
  const directory = window.location.hash === "#directory";
  $("board").hidden = directory;
  $("directory").hidden = !directory;
  if (directory) { $("nav-directory").setAttribute("aria-current", "page"); $("nav-board").removeAttribute("aria-current"); }
  else { $("nav-board").setAttribute("aria-current", "page"); $("nav-directory").removeAttribute("aria-current"); }
}

// ---- Start --------------------------------------------------------------------------------------

function start() {
  $("raise-form").addEventListener("submit", raiseAlarm);
  wireDirectoryForms();
  window.addEventListener("hashchange", function () {
    showSection();
    if (window.location.hash === "#directory" || window.location.hash === "#board") loadDirectory();
  });
  showSection();
  setConnected(false);
  $("connection-state").textContent = "Connecting…";
  $("connection-banner").hidden = true;
  renderBoard();
  loadDirectory();
  connect();
  window.setInterval(refreshAges, 10000);
  window.setInterval(checkHealth, HEALTH_INTERVAL_MS);
  refreshLinks();
  window.setInterval(refreshLinks, LINKS_INTERVAL_MS);
}

// ---- Links: serial ports, ESPA-X sessions, the PBX ----------------------------------------------

const LINKS_INTERVAL_MS = 5000;

// Polled rather than streamed: link states change rarely, and a stale list for a few seconds is
// harmless next to an alarm that must show at once.
async function refreshLinks() {
  let links;
  try {
    links = listOf(await api("GET", "/api/links"), "links");
  } catch (error) {
    return;
  }
  const list = $("links");
  clear(list);
  $("links-empty").hidden = links.length > 0;
  for (const link of links) {
    const counters = Object.keys(link.counters || {}).filter(function (key) { return link.counters[key] > 0; })
      .map(function (key) { return key + " " + link.counters[key]; }).join(", ");
    list.appendChild(el("li", { class: "link link-" + link.state },
      el("strong", {}, link.kind + " " + link.name + ": "),
      el("span", { class: "link-state" }, link.state),
      el("span", { class: "link-detail" }, " " + (link.detail || "")),
      counters ? el("span", { class: "link-counters" }, " (" + counters + ")") : ""));
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();

})();
"""#
}
