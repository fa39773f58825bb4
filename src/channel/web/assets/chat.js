// Jejak web chat. Builds the conversation from /c/api/replies, sends answers to
// /c/api/send. Every message gets an id here and is kept in localStorage until the server
// has it, so a retry (lost connection, reload) sends the same id and the server handles it
// once. The DOM is built from text nodes only.
(function () {
  'use strict';
  var root = document.getElementById('chat');
  if (!root || !window.fetch || !window.JSON) return;
  var T = JSON.parse(root.getAttribute('data-texts') || '{}');
  var token = root.getAttribute('data-token');
  var flow = root.getAttribute('data-flow');
  var key = 'jejak-chat:' + (token ? 't:' + token : 'o:' + flow);
  var log = document.getElementById('log');
  var notice = document.getElementById('notice');
  var form = document.getElementById('compose');
  var input = document.getElementById('msg');
  var sendBtn = document.getElementById('send');
  var cursor = 0; // the last reply shown
  var busy = false;
  var choiceBox = null; // the buttons of the question being asked
  var backoff = 1;
  var saved = read();
  saved.mine = saved.mine || []; // what this browser sent: {c: cursor then, t: text}
  saved.queue = saved.queue || []; // not yet confirmed by the server

  function read() {
    try { return JSON.parse(localStorage.getItem(key)) || {}; } catch (e) { return {}; }
  }
  function save() {
    if (saved.mine.length > 300) saved.mine = saved.mine.slice(-300);
    try { localStorage.setItem(key, JSON.stringify(saved)); } catch (e) { /* private mode */ }
  }
  function link(o) {
    if (token) o.token = token; else o.flow = flow;
    return o;
  }
  function query() {
    return token ? 'token=' + encodeURIComponent(token) : 'flow=' + encodeURIComponent(flow);
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.appendChild(document.createTextNode(text));
    return e;
  }
  function newId() {
    var b = new Uint8Array(12), s = 'm';
    if (window.crypto && crypto.getRandomValues) crypto.getRandomValues(b);
    else for (var i = 0; i < b.length; i++) b[i] = Math.floor(Math.random() * 256);
    for (var j = 0; j < b.length; j++) s += (b[j] + 256).toString(16).slice(1);
    return s;
  }
  function scroll() {
    window.scrollTo(0, document.body.scrollHeight);
  }
  function say(text) {
    notice.textContent = text || '';
    notice.hidden = !text;
  }

  function addMine(text, pending) {
    var li = el('li', 'me' + (pending ? ' pending' : ''));
    var b = el('div', 'bubble');
    b.appendChild(el('p', null, text));
    li.appendChild(b);
    log.appendChild(li);
    scroll();
    return li;
  }

  function addReply(r) {
    if (r.id <= cursor) return;
    cursor = r.id;
    var li = el('li', 'bot');
    var b = el('div', 'bubble');
    r.lines.forEach(function (line) {
      var p = el('p');
      line.forEach(function (s) { p.appendChild(s.b ? el('b', null, s.t) : document.createTextNode(s.t)); });
      b.appendChild(p);
    });
    li.appendChild(b);
    log.appendChild(li);
    if (r.prompt) {
      // A new question: the buttons of the one before are gone.
      if (choiceBox && choiceBox.parentNode) choiceBox.parentNode.removeChild(choiceBox);
      choiceBox = r.prompt.options.length ? buttons(r.prompt) : null;
      if (choiceBox) li.appendChild(choiceBox);
    }
    scroll();
  }

  function buttons(p) {
    var box = el('div', 'choices');
    var picked = {};
    p.options.forEach(function (o) {
      var btn = el('button', null, o.label);
      btn.type = 'button';
      if (p.multi) {
        btn.setAttribute('aria-pressed', 'false');
        btn.onclick = function () {
          picked[o.value] = !picked[o.value];
          btn.setAttribute('aria-pressed', picked[o.value] ? 'true' : 'false');
        };
      } else {
        btn.onclick = function () { submit({ kind: 'choice', prompt: p.id, value: o.value }, o.label); };
      }
      box.appendChild(btn);
    });
    if (p.multi) {
      var done = el('button', 'done', p.done || T['web-done']);
      done.type = 'button';
      done.onclick = function () {
        var chosen = p.options.filter(function (o) { return picked[o.value]; });
        var labels = chosen.map(function (o) { return o.label; }).join(', ');
        submit({ kind: 'choice', prompt: p.id, value: chosen.map(function (o) { return o.value; }).join(',') },
          labels || p.done || T['web-done']);
      };
      box.appendChild(done);
    }
    return box;
  }

  function setBusy(on) {
    busy = on;
    sendBtn.disabled = on;
    if (choiceBox) {
      var bs = choiceBox.getElementsByTagName('button');
      for (var i = 0; i < bs.length; i++) bs[i].disabled = on;
    }
  }

  function submit(content, label) {
    if (busy) return;
    saved.queue.push({ id: newId(), content: content, label: label, c: cursor });
    save();
    flush();
  }

  // Sends the oldest unconfirmed message, then the next.
  function flush() {
    if (busy || !saved.queue.length) return;
    var m = saved.queue[0];
    setBusy(true);
    var mine = m.label != null ? addMine(m.label, true) : null;
    send(m, mine);
  }

  function retry(m, mine, seconds) {
    setTimeout(function () { send(m, mine); }, seconds * 1000);
  }

  function send(m, mine) {
    fetch('/c/api/send', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(link({ id: m.id, after: cursor, content: m.content }))
    }).then(function (res) {
      if (res.status === 429) {
        say(T['web-slow-down']);
        return retry(m, mine, parseInt(res.headers.get('Retry-After'), 10) || 5);
      }
      if (res.status >= 500) {
        say(T['web-server-error']);
        backoff = Math.min(backoff * 2, 30);
        return retry(m, mine, backoff);
      }
      return res.json().then(function (j) {
        saved.queue.shift();
        if (res.ok && m.label != null) saved.mine.push({ c: m.c, t: m.label });
        save();
        if (mine) {
          mine.className = 'me';
          if (!res.ok) mine.parentNode.removeChild(mine);
        }
        backoff = 1;
        say(res.ok ? '' : j.error);
        (j.replies || []).forEach(addReply);
        setBusy(false);
        flush();
      });
    }).catch(function () {
      say(T['web-offline']);
      backoff = Math.min(backoff * 2, 30);
      retry(m, mine, backoff);
    });
  }

  // Fetches the replies after the cursor; `again` (for the first load) retries until it
  // has them.
  function fetchReplies(then, again) {
    function fail(text) {
      say(text);
      if (again) setTimeout(function () { fetchReplies(then, again); }, 5000);
    }
    fetch('/c/api/replies?' + query() + '&after=' + cursor, { credentials: 'same-origin' })
      .then(function (res) {
        if (!res.ok) return fail(T[res.status === 429 ? 'web-slow-down' : 'web-server-error']);
        return res.json().then(function (j) { say(''); then(j.replies || []); });
      })
      .catch(function () { fail(T['web-offline']); });
  }

  // The conversation so far: the bot's replies, with this browser's own messages put
  // after the reply that was last when each was sent.
  function history(replies) {
    var mine = saved.mine, k = 0;
    function mineUpTo(limit) {
      while (k < mine.length && mine[k].c < limit) addMine(mine[k++].t, false);
    }
    replies.forEach(function (r) {
      mineUpTo(r.id);
      addReply(r);
    });
    mineUpTo(Infinity);
    if (!replies.length && !saved.queue.length) submit({ kind: 'start' }, null);
    else flush();
  }

  form.onsubmit = function (e) {
    e.preventDefault();
    var text = input.value.replace(/^\s+|\s+$/g, '');
    if (!text || busy) return;
    input.value = '';
    submit({ kind: 'text', text: text }, text);
  };

  fetchReplies(history, true);
  // Messages the bot sends on its own (a reminder) or from another tab.
  setInterval(function () {
    if (!busy && document.visibilityState !== 'hidden') fetchReplies(function (rs) { rs.forEach(addReply); });
  }, 30000);
})();
