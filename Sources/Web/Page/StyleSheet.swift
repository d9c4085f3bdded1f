/// The board's style sheet. System fonts only, because the box is offline. Priority is shown by
/// colour *and* by its word (the badge), so it never depends on colour vision; every colour pair here
/// meets WCAG AA contrast. One column on a narrow screen, board beside the raise form from 900 px.
enum StyleSheet {
    static let css = #"""
:root {
  --ink: #1a1a1a;
  --muted: #4a4f57;
  --paper: #f4f5f7;
  --card: #ffffff;
  --line: #c9ced6;
  --accent: #1d4ed8;
  --emergency: #b00020;
  --high: #c2410c;
  --medium: #8a5300;
  --standard: #1d4ed8;
  --low: #4b5563;
  --ok: #166534;
  --bad: #b00020;
  --focus: #ffbf47;
}
* { box-sizing: border-box; }
html { font-size: 100%; }
body {
  margin: 0;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  line-height: 1.4;
  color: var(--ink);
  background: var(--paper);
}
h1, h2, h3 { margin: 0 0 .5rem; line-height: 1.2; }
h1 { font-size: 1.4rem; }
h2 { font-size: 1.3rem; }
h3 { font-size: 1.1rem; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; box-shadow: 0 0 0 5px var(--ink); }
.visually-hidden {
  position: absolute !important; width: 1px; height: 1px; margin: -1px; padding: 0;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}
.skip { position: absolute; left: -999px; top: 0; background: var(--card); padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: .5rem; }
[hidden] { display: none !important; }

.top {
  display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.5rem;
  padding: .6rem 1rem; background: #14213d; color: #fff;
}
.top h1 { margin: 0; }
.top nav { display: flex; gap: 1rem; flex-wrap: wrap; }
.top nav a { color: #fff; text-decoration: none; padding: .25rem .1rem; border-bottom: 3px solid transparent; }
.top nav a[aria-current="page"] { border-bottom-color: var(--focus); font-weight: 600; }
.connection { margin: 0 0 0 auto; padding: .2rem .7rem; border-radius: 1rem; font-weight: 600; background: #3a4560; }
.connection.live { background: #dcfce7; color: var(--ok); }
.connection.live::before { content: "● "; }
.connection.lost { background: #fde2e1; color: var(--bad); }
.connection.lost::before { content: "▲ "; }

.banner {
  margin: 0; padding: .75rem 1rem; background: #fde2e1; color: #7a0010;
  border-bottom: 3px solid var(--bad); font-size: 1.05rem;
}
body.disconnected .alarms { opacity: .75; }

main { padding: 1rem; max-width: 1400px; margin: 0 auto; }
.board-layout { display: grid; grid-template-columns: 1fr; gap: 1rem; }
@media (min-width: 900px) {
  .board-layout { grid-template-columns: minmax(0, 1fr) 20rem; align-items: start; }
  .board-side { position: sticky; top: 1rem; }
}
.board-side, .manage {
  background: var(--card); border: 1px solid var(--line); border-radius: .5rem; padding: 1rem;
}
.manage { margin-bottom: 1.5rem; }
.count {
  display: inline-block; min-width: 1.8rem; padding: 0 .45rem; border-radius: 1rem; text-align: center;
  background: var(--ink); color: #fff; font-size: .95rem;
}
.empty { color: var(--muted); font-style: italic; }
.message { color: var(--ok); min-height: 1.2em; margin: .25rem 0; }
.message:empty, .error:empty { display: none; }
.error { color: var(--bad); font-weight: 600; margin: .5rem 0; }
.hint { color: var(--muted); }

.alarms { list-style: none; margin: 0 0 1.5rem; padding: 0; display: grid; gap: .6rem; }
.alarm {
  background: var(--card); border: 1px solid var(--line); border-left: .6rem solid var(--standard);
  border-radius: .5rem; padding: .7rem .9rem;
}
.alarm.priority-emergency { border-left-color: var(--emergency); background: #fff5f5; }
.alarm.priority-high { border-left-color: var(--high); }
.alarm.priority-medium { border-left-color: var(--medium); }
.alarm.priority-standard { border-left-color: var(--standard); }
.alarm.priority-low { border-left-color: var(--low); }
.alarm.is-closed { background: #fafafa; border-left-color: var(--line); }
.alarms.ended .alarm { padding: .5rem .9rem; }
.alarm-head { display: flex; flex-wrap: wrap; align-items: center; gap: .4rem .8rem; }
.priority-badge {
  display: inline-block; padding: .1rem .55rem; border-radius: .3rem; font-weight: 700;
  text-transform: uppercase; letter-spacing: .03em; font-size: .85rem; color: #fff; background: var(--standard);
}
.priority-badge[data-priority="Emergency"] { background: var(--emergency); }
.priority-badge[data-priority="High"] { background: var(--high); }
.priority-badge[data-priority="Medium"] { background: var(--medium); }
.priority-badge[data-priority="Standard"] { background: var(--standard); }
.priority-badge[data-priority="Low"] { background: var(--low); }
.is-closed .priority-badge { background: var(--low) !important; }
.alarm-group { font-weight: 600; }
.alarm-state { margin-left: auto; color: var(--muted); font-weight: 600; }
.alarm-text { font-size: 1.2rem; font-weight: 600; margin: .35rem 0; overflow-wrap: anywhere; white-space: pre-wrap; }
.alarms.ended .alarm-text { font-size: 1rem; }
.alarm-meta, .alarm-closed, .alarm-note, .deliveries-none { margin: .2rem 0; color: var(--muted); font-size: .92rem; }
.alarm-note { color: #7a4a00; }
.deliveries { list-style: none; margin: .4rem 0; padding: 0; display: flex; flex-wrap: wrap; gap: .35rem; }
.delivery { border: 1px solid var(--line); border-radius: 1rem; padding: .1rem .6rem; font-size: .9rem; background: #f7f8fa; }
.delivery-status { font-weight: 700; }
.delivery.status-accepted .delivery-status, .delivery.status-acknowledged .delivery-status { color: var(--ok); }
.delivery.status-failed .delivery-status { color: var(--bad); }
.delivery.status-accepted::before, .delivery.status-acknowledged::before { content: "✓ "; color: var(--ok); }
.delivery.status-failed::before { content: "✗ "; color: var(--bad); }
.alarm-actions { display: flex; flex-wrap: wrap; gap: .5rem; margin-top: .5rem; }

button {
  font: inherit; font-weight: 600; min-height: 2.5rem; padding: .35rem 1rem; border-radius: .35rem;
  border: 2px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer;
}
button.acknowledge { background: var(--ok); border-color: var(--ok); min-width: 9rem; }
button.secondary { background: #fff; color: var(--accent); }
button.danger { background: #fff; color: var(--bad); border-color: var(--bad); }
button[data-confirm="yes"] { background: var(--bad); border-color: var(--bad); color: #fff; }
button.small { min-height: 2rem; padding: .1rem .5rem; font-size: .88rem; }
button:disabled { opacity: .55; cursor: not-allowed; }

label, .label { display: block; font-weight: 600; margin: .6rem 0 .2rem; }
input, select, textarea {
  font: inherit; width: 100%; padding: .4rem .5rem; border: 1px solid #7b8391; border-radius: .3rem;
  background: #fff; color: var(--ink); min-height: 2.5rem;
}
[aria-invalid="true"] { border: 2px solid var(--bad); }
#raise-form button[type="submit"] { margin-top: .9rem; width: 100%; }
fieldset { border: 1px solid var(--line); border-radius: .4rem; margin: 1rem 0 0; padding: .5rem 1rem 1rem; }
legend { font-weight: 700; padding: 0 .3rem; }
.edit-form fieldset { display: grid; grid-template-columns: 1fr; gap: 0 1rem; }
@media (min-width: 700px) {
  .edit-form fieldset { grid-template-columns: repeat(3, minmax(0, 1fr)); }
  .edit-form .field.wide, .edit-form .actions, .edit-form .error, .edit-form .message, .edit-form fieldset.escalation { grid-column: 1 / -1; }
  /* Level with the number inputs beside it, whose labels sit above them. */
  .escalation-fields .field.check { margin-top: 2.3rem; align-self: start; }
}
/* The chain's fields sit in the escalation fieldset's grid; hiding their wrapper hides them all. */
.escalation-fields { display: contents; }
.field .hint { margin: .2rem 0 0; font-size: .88rem; }
.check { display: flex; align-items: center; gap: .5rem; margin: .6rem 0 .2rem; }
.check input { width: 1.3rem; height: 1.3rem; min-height: 0; margin: 0; flex: none; }
.check label { margin: 0; }
.actions { display: flex; gap: .5rem; margin-top: .9rem; }
.inline { display: flex; gap: .5rem; }
.inline select { flex: 1; }
.member-order { margin: .2rem 0; padding-left: 1.6rem; }
.member-order li { padding: .2rem 0; }
.order-buttons { display: inline-flex; gap: .3rem; margin-left: .6rem; }

.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; background: var(--card); }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: middle; }
th { background: #eef0f3; }
td.address { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .9rem; overflow-wrap: anywhere; }
td select { min-width: 9rem; width: auto; }
.row-actions { white-space: nowrap; }
.row-actions button { margin-right: .3rem; }
td.phone-history { background: var(--paper); }
.phone-history-list { margin: .2rem 0; padding-left: 1.4rem; }
.phone-history-list li { margin: .15rem 0; }
.presence-message { color: var(--muted); }
.links { list-style: none; padding: 0; margin: 0; font-size: .9rem; }
.link { padding: .3rem 0; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
.link-state { font-weight: bold; }
.link-up .link-state { color: #1a7f37; }
.link-absent .link-state, .link-silent .link-state, .link-down .link-state { color: #b42318; }
.link-detail, .link-counters { color: var(--muted); }

@media (max-width: 600px) {
  main { padding: .5rem; }
  .connection { margin-left: 0; }
  .alarm-state { margin-left: 0; }
  .alarm-actions button { flex: 1; }
}
@media (prefers-reduced-motion: no-preference) {
  .alarm { transition: background-color .3s; }
}
"""#
}
