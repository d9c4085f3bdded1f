/// The board's HTML skeleton: landmarks, the forms and the empty lists. Every piece of alarm or
/// directory data is filled in by `AppScript` through `textContent`, so nothing the server sends is
/// ever parsed as markup. The ids and `data-` attributes are the hooks the script and the browser
/// test (`Tests/Browser`) use; renaming one means changing both.
enum IndexPage {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>Tocsin alarm board</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<a class="skip" href="#open-alarms-heading">Skip to open alarms</a>
<header class="top">
  <h1>Tocsin</h1>
  <nav aria-label="Sections">
    <a href="#board" id="nav-board" aria-current="page">Alarm board</a>
    <a href="#directory" id="nav-directory">Groups, members and phones</a>
  </nav>
  <p id="connection-state" class="connection" aria-live="polite">Connecting…</p>
</header>

<div id="connection-banner" class="banner" role="alert" hidden>
  <strong>Connection lost.</strong>
  <span id="connection-banner-detail">Reconnecting… The alarms shown may be out of date.</span>
</div>

<main id="main">
<section id="board" aria-labelledby="board-heading">
  <h2 id="board-heading" class="visually-hidden">Alarm board</h2>
  <div class="board-layout">
    <div class="board-alarms">
      <section aria-labelledby="open-alarms-heading">
        <h3 id="open-alarms-heading" tabindex="-1">Open alarms <span id="open-count" class="count">0</span></h3>
        <p id="board-message" class="message" role="status"></p>
        <p id="open-empty" class="empty">No open alarms.</p>
        <ol id="open-alarms" class="alarms" aria-labelledby="open-alarms-heading"></ol>
      </section>
      <section aria-labelledby="ended-alarms-heading">
        <h3 id="ended-alarms-heading">Recently ended</h3>
        <p id="ended-empty" class="empty">No alarms have ended recently.</p>
        <ol id="ended-alarms" class="alarms ended" aria-labelledby="ended-alarms-heading"></ol>
      </section>
    </div>
    <aside class="board-side" aria-labelledby="raise-heading">
      <h3 id="raise-heading">Raise an alarm</h3>
      <form id="raise-form" novalidate>
        <label for="raise-group">Group</label>
        <select id="raise-group" name="group" required>
          <option value="">Loading groups…</option>
        </select>
        <label for="raise-text">Text</label>
        <textarea id="raise-text" name="text" rows="3" maxlength="2000" required></textarea>
        <label for="raise-priority">Priority</label>
        <select id="raise-priority" name="priority">
          <option value="Emergency">Emergency</option>
          <option value="High">High</option>
          <option value="Medium">Medium</option>
          <option value="Standard" selected>Standard</option>
          <option value="Low">Low</option>
        </select>
        <button type="submit" id="raise-submit">Raise alarm</button>
        <p id="raise-error" class="error" role="alert"></p>
        <p id="raise-result" class="message" role="status"></p>
      </form>
      <section aria-labelledby="links-heading">
        <h3 id="links-heading">Links</h3>
        <p id="links-empty" class="empty">No supervised links.</p>
        <ul id="links" class="links" aria-labelledby="links-heading"></ul>
      </section>
    </aside>
  </div>
  <div id="announcer" class="visually-hidden" aria-live="assertive"></div>
</section>

<section id="directory" aria-labelledby="directory-heading" hidden>
  <h2 id="directory-heading">Groups, members and phones</h2>
  <p class="hint">Changes take effect for the next alarm. A phone can be deleted only when no member uses it.</p>

  <section class="manage" aria-labelledby="groups-heading">
    <h3 id="groups-heading">Groups</h3>
    <div class="table-wrap">
      <table id="groups-table">
        <caption class="visually-hidden">Alarm groups</caption>
        <thead><tr><th scope="col">Number</th><th scope="col">Name</th><th scope="col">Members, in order</th><th scope="col">Rule</th><th scope="col">Repetitions</th><th scope="col">Escalation calls</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
    <form id="group-form" class="edit-form" novalidate>
      <fieldset>
        <legend id="group-form-legend">New group</legend>
        <input type="hidden" id="group-id" name="id" value="">
        <div class="field"><label for="group-number">Number</label>
          <input id="group-number" name="number" required autocomplete="off" inputmode="numeric"></div>
        <div class="field"><label for="group-name">Name</label>
          <input id="group-name" name="name" required autocomplete="off"></div>
        <div class="field"><label for="group-rule">Who must acknowledge</label>
          <select id="group-rule" name="rule">
            <option value="any">Any one member</option>
            <option value="all">Every member reached</option>
          </select></div>
        <div class="field"><label for="group-repetitions">Repetitions</label>
          <input id="group-repetitions" name="repetitions" type="number" min="0" max="20" value="0"></div>
        <div class="field"><label for="group-repeat-interval">Seconds between repetitions</label>
          <input id="group-repeat-interval" name="repeatInterval" type="number" min="2" max="60" value="30"></div>
        <div class="field wide">
          <span class="label" id="group-members-label">Members, in delivery order</span>
          <ol id="group-members" class="member-order" aria-labelledby="group-members-label"></ol>
          <p id="group-members-empty" class="empty">No members yet.</p>
          <label for="group-add-member">Add member</label>
          <div class="inline">
            <select id="group-add-member"></select>
            <button type="button" id="group-add-member-button">Add</button>
          </div>
        </div>
        <fieldset id="group-escalation" class="escalation">
          <legend>Escalation calls through the PBX</legend>
          <div class="field wide check">
            <input type="checkbox" id="group-escalation-enabled" aria-controls="group-escalation-fields">
            <label for="group-escalation-enabled">Call through the PBX when nobody acknowledges an alarm</label>
          </div>
          <div id="group-escalation-fields" class="escalation-fields" hidden>
            <div class="field"><label for="group-escalation-delay">Seconds before the first call</label>
              <input id="group-escalation-delay" type="number" min="0" max="86400" aria-describedby="group-escalation-delay-hint">
              <p id="group-escalation-delay-hint" class="hint">0 to 86400, counted from the alarm's arrival</p></div>
            <div class="field"><label for="group-escalation-no-answer">Seconds each call may ring</label>
              <input id="group-escalation-no-answer" type="number" min="5" max="300" value="30" aria-describedby="group-escalation-no-answer-hint">
              <p id="group-escalation-no-answer-hint" class="hint">5 to 300; then the next number is called</p></div>
            <div class="field check">
              <input type="checkbox" id="group-escalation-answer-acknowledges">
              <label for="group-escalation-answer-acknowledges">An answered call acknowledges the alarm</label>
            </div>
            <div class="field wide"><label for="group-escalation-numbers">Numbers to call, in order</label>
              <textarea id="group-escalation-numbers" rows="3" autocomplete="off" spellcheck="false" aria-describedby="group-escalation-numbers-hint"></textarea>
              <p id="group-escalation-numbers-hint" class="hint">One per line or separated by commas; 1 to 20 numbers of 0-9 + * #. Each is called once, until one answers.</p></div>
          </div>
        </fieldset>
        <div class="actions">
          <button type="submit" id="group-save">Create group</button>
          <button type="button" id="group-cancel" class="secondary" hidden>Cancel</button>
        </div>
        <p id="group-error" class="error" role="alert"></p>
        <p id="group-result" class="message" role="status"></p>
      </fieldset>
    </form>
  </section>

  <section class="manage" aria-labelledby="members-heading">
    <h3 id="members-heading">Members</h3>
    <div class="table-wrap">
      <table id="members-table">
        <caption class="visually-hidden">Members</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">User name</th><th scope="col">Phone</th><th scope="col">Presence</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
    <form id="member-form" class="edit-form" novalidate>
      <fieldset>
        <legend id="member-form-legend">New member</legend>
        <input type="hidden" id="member-id" name="id" value="">
        <div class="field"><label for="member-name">Name</label>
          <input id="member-name" name="name" required autocomplete="off"></div>
        <div class="field"><label for="member-user-name">User name</label>
          <input id="member-user-name" name="userName" required autocomplete="off"></div>
        <div class="field"><label for="member-phone">Phone</label>
          <select id="member-phone" name="phoneId" required></select></div>
        <div class="field"><label for="member-presence">Presence</label>
          <select id="member-presence" name="presence">
            <option value="available">Available</option>
            <option value="away">Away</option>
            <option value="busy">Busy</option>
            <option value="dnd">Do not disturb (no alarms)</option>
            <option value="offline">Offline (no alarms)</option>
          </select></div>
        <div class="field"><label for="member-presence-message">Presence message</label>
          <input id="member-presence-message" name="presenceMessage" autocomplete="off"></div>
        <div class="actions">
          <button type="submit" id="member-save">Create member</button>
          <button type="button" id="member-cancel" class="secondary" hidden>Cancel</button>
        </div>
        <p id="member-error" class="error" role="alert"></p>
        <p id="member-result" class="message" role="status"></p>
      </fieldset>
    </form>
  </section>

  <section class="manage" aria-labelledby="phones-heading">
    <h3 id="phones-heading">Phones</h3>
    <div class="table-wrap">
      <table id="phones-table">
        <caption class="visually-hidden">Phones</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">Driver</th><th scope="col">Address</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
    <form id="phone-form" class="edit-form" novalidate>
      <fieldset>
        <legend id="phone-form-legend">New phone</legend>
        <input type="hidden" id="phone-id" name="id" value="">
        <div class="field"><label for="phone-name">Name</label>
          <input id="phone-name" name="name" required autocomplete="off"></div>
        <div class="field"><label for="phone-driver">Driver</label>
          <input id="phone-driver" name="driver" list="phone-drivers" required autocomplete="off" spellcheck="false" value="webhook">
          <datalist id="phone-drivers">
            <option value="cisco">Cisco phone (XML push)</option>
            <option value="sip">SIP MESSAGE</option>
            <option value="webhook">Webhook (JSON POST)</option>
            <option value="voispeed-sms">VOIspeed SMS (services.cgi)</option>
          </datalist></div>
        <div class="field wide"><label for="phone-address">Address</label>
          <input id="phone-address" name="address" required autocomplete="off" spellcheck="false"></div>
        <div class="actions">
          <button type="submit" id="phone-save">Create phone</button>
          <button type="button" id="phone-cancel" class="secondary" hidden>Cancel</button>
        </div>
        <p id="phone-error" class="error" role="alert"></p>
        <p id="phone-result" class="message" role="status"></p>
      </fieldset>
    </form>
  </section>
</section>
</main>
<script src="/app.js" defer></script>
</body>
</html>
"""#
}
