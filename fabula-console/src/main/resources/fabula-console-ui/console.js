// Fabula console: renders every page from the JSON API (docs/CONSOLE-API.md).
// Untrusted text (event names, payloads, errors, filters) only ever reaches the page as text
// nodes (Element.append of strings, textContent): nothing here parses markup.
'use strict';
(() => {
  const app = document.getElementById('app');
  const SVG = 'http://www.w3.org/2000/svg';
  let session = null;
  let stores = null;
  let pollTimer = null;
  let followTimer = null;
  let following = false;
  let actionError = null;

  // --- DOM helpers -------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }
  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = String(text);
    return e;
  }
  function show(...children) {
    app.replaceChildren(...children.filter(c => c !== null && c !== undefined));
  }
  function hashLink(text, route, params) {
    const q = params ? '?' + new URLSearchParams(params).toString() : '';
    return el('a', { href: '#/' + route + q }, text);
  }
  function aggregateRoute(type, id) {
    return 'aggregate/' + encodeURIComponent(type) + '/' + encodeURIComponent(id);
  }
  function json(value) {
    return el('pre', {}, JSON.stringify(value, null, 2));
  }
  function table(headers, rows, attrs) {
    return el('table', attrs || {},
      el('thead', {}, el('tr', {}, ...headers.map(h => el('th', h.num ? { class: 'num' } : {}, h.label || h)))),
      el('tbody', {}, ...rows));
  }
  function card(label, value, id) {
    return el('div', { class: 'card' }, el('div', { class: 'value', id: id }, value), el('div', { class: 'label' }, label));
  }

  // --- API ---------------------------------------------------------------------------------
  // Each route() is a generation; an answer that arrives after a newer route() began is dropped,
  // so a slow answer never paints over the page asked for later (writes are never dropped).
  let generation = 0;
  class Superseded extends Error {}
  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }
  async function api(path, options) {
    const opts = Object.assign({ credentials: 'same-origin', headers: {} }, options || {});
    if (opts.body !== undefined) {
      opts.method = 'POST';
      opts.headers['Content-Type'] = 'application/json';
      if (session && session.csrf) opts.headers['X-CSRF-Token'] = session.csrf;
      opts.body = JSON.stringify(opts.body);
    }
    const asked = generation;
    const response = await fetch('api/' + path, opts);
    const body = await response.json().catch(() => ({ error: 'the answer was not JSON' }));
    if (opts.method !== 'POST' && asked !== generation) throw new Superseded();
    if (!response.ok) throw new ApiError(response.status, body.error || response.statusText);
    return body;
  }

  // --- routing -----------------------------------------------------------------------------
  function parseHash() {
    const raw = location.hash.replace(/^#\/?/, '');
    const [path, query] = raw.split('?');
    return { parts: path.split('/').filter(p => p).map(decodeURIComponent), params: new URLSearchParams(query || '') };
  }
  async function route() {
    clearTimeout(pollTimer);
    clearTimeout(followTimer);
    generation++;
    const { parts, params } = parseHash();
    const page = parts[0] || 'overview';
    for (const a of document.querySelectorAll('header nav a')) {
      a.classList.toggle('active', a.id === 'nav-' + page);
    }
    try {
      if (!session) session = await api('session');
      renderWho();
      if (session.loginRequired && !session.authenticated) return renderLogin();
      if (!stores) {
        stores = await api('stores');
        renderStores();
      }
      if (page === 'overview') await renderOverview();
      else if (page === 'events') await renderEvents(params);
      else if (page === 'aggregate' && parts.length === 3) await renderAggregate(parts[1], parts[2], params);
      else if (page === 'projections') await renderProjections();
      else show(el('h1', {}, 'Not found'), el('p', {}, 'No page at ', location.hash));
    } catch (e) {
      if (e instanceof Superseded) return;
      if (e instanceof ApiError && e.status === 401) {
        session = null;
        return route();
      }
      show(el('h1', {}, 'Error'), el('p', { class: 'error', id: 'error' }, e.message));
    }
  }
  window.addEventListener('hashchange', route);

  function renderWho() {
    const who = document.getElementById('who');
    who.replaceChildren();
    if (session.loginRequired && session.authenticated) {
      who.append(el('button', { class: 'secondary', id: 'logout', onclick: async () => {
        await api('logout', { body: {} }).catch(() => {});
        session = null;
        route();
      } }, 'Log out'));
    }
    if (!session.writesEnabled) who.prepend(el('span', { class: 'badge' }, 'read-only'), ' ');
  }

  // --- stores: one console over several, each under stores/{name}/ --------------------------
  function renderStores() {
    const picker = document.getElementById('store-picker');
    if (!picker || stores.current === null || stores.stores.length === 0) return;
    document.title = 'Fabula console: ' + stores.current;
    const select = el('select', { id: 'store-select', 'aria-label': 'store' },
      ...stores.stores.map(s => {
        const option = el('option', { value: s.name }, s.name);
        option.selected = s.name === stores.current;
        return option;
      }));
    select.addEventListener('change', () => {
      // the pages of store s are at <root>/stores/<s>/, this one's parent's sibling
      const page = parseHash().parts[0];
      const keep = ['overview', 'events', 'projections'].includes(page) ? page : 'overview';
      location.href = '../' + encodeURIComponent(select.value) + '/#/' + keep;
    });
    picker.replaceChildren(el('label', {}, 'store ', select));
  }

  // --- login -------------------------------------------------------------------------------
  function renderLogin(message) {
    const password = el('input', { type: 'password', id: 'password', autocomplete: 'current-password' });
    const form = el('form', { class: 'login', id: 'login-form' },
      el('h1', {}, 'Log in'),
      el('label', { for: 'password' }, 'Password'), password,
      el('button', { type: 'submit', id: 'login' }, 'Log in'),
      message ? el('p', { class: 'error', id: 'login-error' }, message) : null);
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      try {
        session = await api('login', { body: { password: password.value } });
        route();
      } catch (e) {
        renderLogin(e.message);
      }
    });
    show(form);
    password.focus();
  }

  // --- overview ----------------------------------------------------------------------------
  async function renderOverview() {
    const o = await api('overview');
    show(
      el('h1', {}, 'Overview'),
      el('div', { class: 'cards' },
        card('events', o.eventCount, 'event-count'),
        card('last position read', o.lastPosition),
        card('safe horizon', o.safeHorizon.position, 'safe-horizon')),
      el('p', { class: 'note' }, o.safeHorizon.note),
      o.complete ? null : el('p', { id: 'counting', class: 'note' },
        'Still counting in the background: read to position ' + o.lastPosition + ' of '
          + o.safeHorizon.position + '. Reload for more.'),
      o.countingError ? el('p', { id: 'counting-error', class: 'error' }, 'Counting failed: ' + o.countingError) : null,
      o.safeHorizon.heldBackBy === null ? null
        : el('p', { id: 'held-back-by' }, 'held back by: ' + o.safeHorizon.heldBackBy),
      el('h2', {}, 'Throughput'),
      chart(o.throughput),
      el('h2', {}, 'Event names'),
      table(['name', { label: 'count', num: true }], o.names.map(n =>
        el('tr', {}, el('td', {}, hashLink(n.name, 'events', { name: n.name })), el('td', { class: 'num' }, n.count))),
      { id: 'names-table' }),
      el('h2', {}, 'Aggregates by type'),
      table(['type', { label: 'aggregates', num: true }], o.aggregates.map(a =>
        el('tr', {}, el('td', {}, hashLink(a.type, 'events', { aggregateType: a.type })), el('td', { class: 'num' }, a.count))),
      { id: 'aggregates-table' }));
  }

  function chart(t) {
    const w = 720, h = 180, pad = 28;
    const s = svg('svg', { class: 'chart', id: 'throughput-chart', width: w, height: h, viewBox: `0 0 ${w} ${h}`, role: 'img' });
    s.append(svg('title', {}, 'events per ' + t.bucketSeconds + ' s'));
    const buckets = t.buckets;
    if (buckets.length === 0) {
      s.append(svg('text', { x: pad, y: h / 2 }, 'no events yet'));
      return s;
    }
    const max = Math.max(...buckets.map(b => b.count), 1);
    const bw = (w - 2 * pad) / buckets.length;
    buckets.forEach((b, i) => {
      const bh = (h - 2 * pad) * b.count / max;
      const r = svg('rect', { x: pad + i * bw + 1, y: h - pad - bh, width: Math.max(1, bw - 2), height: bh });
      r.append(svg('title', {}, b.start + ': ' + b.count + ' events'));
      s.append(r);
    });
    s.append(svg('text', { x: pad, y: h - 8 }, buckets[0].start));
    s.append(svg('text', { x: w - pad, y: h - 8, 'text-anchor': 'end' }, buckets[buckets.length - 1].start));
    s.append(svg('text', { x: 4, y: pad - 10 }, max + ' events per ' + t.bucketSeconds + ' s (most)'));
    return s;
  }

  // --- events ------------------------------------------------------------------------------
  const FILTERS = [
    ['name', 'event name'], ['aggregateType', 'aggregate type'], ['aggregateId', 'aggregate id'],
    ['from', 'from (ISO time)'], ['to', 'to (ISO time)'], ['after', 'after position'], ['until', 'until position'],
  ];
  async function renderEvents(params) {
    const page = await api('events?' + params.toString());
    const inputs = {};
    const form = el('form', { class: 'filters', id: 'filters' },
      ...FILTERS.map(([key, label]) => {
        inputs[key] = el('input', { id: 'filter-' + key, name: key, value: params.get(key) || '' });
        return el('label', {}, label, inputs[key]);
      }),
      el('button', { type: 'submit', id: 'apply-filters' }, 'Apply'),
      el('button', { type: 'button', class: 'secondary', onclick: () => { location.hash = '#/events'; } }, 'Clear'));
    form.addEventListener('submit', ev => {
      ev.preventDefault();
      const q = new URLSearchParams();
      for (const [key] of FILTERS) if (inputs[key].value.trim()) q.set(key, inputs[key].value.trim());
      location.hash = '#/events' + (q.toString() ? '?' + q.toString() : '');
    });
    const rows = page.events.map(eventRow);
    const pager = el('div', { class: 'pager' });
    if (params.get('after')) {
      const first = new URLSearchParams(params);
      first.delete('after');
      pager.append(hashLink('« first page', 'events', first));
    }
    if (page.next !== null) {
      const next = new URLSearchParams(params);
      next.set('after', page.next);
      pager.append(el('a', { href: '#/events?' + next.toString(), id: 'next-page' }, 'next page »'));
    }
    const events = table([{ label: 'position', num: true }, 'time', 'name', 'aggregate', 'payload'], rows, { id: 'events-table' });
    const empty = page.events.length === 0 ? el('p', { class: 'note', id: 'no-events' }, 'No events match.') : null;
    const followStatus = el('span', { class: 'note', id: 'follow-status' });
    const follow = el('input', { type: 'checkbox', id: 'follow' });
    follow.checked = following;
    follow.addEventListener('change', () => {
      following = follow.checked;
      clearTimeout(followTimer);
      if (following) tail();
      else followStatus.replaceChildren();
    });
    show(el('h1', {}, 'Events'), form,
      el('p', { class: 'follow' }, el('label', {}, follow, ' Follow: add events as they are stored'), ' ', followStatus),
      events, empty, pager);

    // Follow: every second while the page is visible, the events after the last one shown (with
    // the same filters), appended in position order. After a full page (there is a next one) it
    // goes on from that page's end, so no event in between is skipped.
    let last = page.events.length > 0 ? page.events[page.events.length - 1].position : Number(params.get('after') || 0);
    const body = events.querySelector('tbody');
    const asked = generation;
    async function tail() {
      if (!following || asked !== generation) return;
      if (document.visibilityState === 'visible') {
        const q = new URLSearchParams(params);
        q.set('after', last);
        q.set('limit', '500');
        try {
          const more = await api('events?' + q.toString());
          if (!following || asked !== generation) return;
          for (const e of more.events) {
            body.append(eventRow(e));
            last = e.position;
          }
          if (more.events.length > 0 && empty) empty.remove();
          while (body.children.length > FOLLOW_ROWS) body.firstElementChild.remove();
          followStatus.replaceChildren(body.children.length === FOLLOW_ROWS
            ? 'following; only the newest ' + FOLLOW_ROWS + ' rows are kept on the page' : 'following');
        } catch (e) {
          if (e instanceof Superseded) return;
          followStatus.replaceChildren(el('span', { class: 'error', id: 'follow-error' }, e.message));
        }
      }
      followTimer = setTimeout(tail, 1000);
    }
    if (following) tail();
  }
  const FOLLOW_ROWS = 2000;

  function eventRow(e) {
    return el('tr', { class: 'event-row', 'data-position': String(e.position) },
      el('td', { class: 'num' }, e.position),
      el('td', { class: 'time' }, e.time),
      el('td', { class: 'event-name' }, e.name),
      el('td', {}, e.aggregate ? hashLink(e.aggregate.type + ' ' + e.aggregate.id.slice(0, 8) + ' v' + e.aggregate.version,
        aggregateRoute(e.aggregate.type, e.aggregate.id)) : '—'),
      el('td', {}, el('span', { class: 'badge ' + e.payloadStatus }, e.payloadStatus), ' ', e.payloadNote || '',
        e.payload === null ? null : el('pre', { class: 'payload' }, JSON.stringify(e.payload))));
  }

  // --- one aggregate -----------------------------------------------------------------------
  async function renderAggregate(type, id, params) {
    const a = await api('aggregates/' + encodeURIComponent(type) + '/' + encodeURIComponent(id) + (params.get('version') ? '?version=' + encodeURIComponent(params.get('version')) : ''));
    const version = el('input', { id: 'version', type: 'number', min: '1', value: a.version });
    const form = el('form', { class: 'filters', id: 'version-form' },
      el('label', {}, 'state at version', version),
      el('button', { type: 'submit', id: 'show-version' }, 'Show'));
    form.addEventListener('submit', ev => {
      ev.preventDefault();
      location.hash = '#/' + aggregateRoute(type, id) + '?version=' + encodeURIComponent(version.value);
    });
    const rows = a.events.map(e => el('tr', { class: e.aggregate && e.aggregate.version > a.version ? 'event-row later' : 'event-row' },
      el('td', { class: 'num' }, e.aggregate ? e.aggregate.version : '?'),
      el('td', { class: 'num' }, e.position),
      el('td', { class: 'time' }, e.time),
      el('td', {}, e.name),
      el('td', {}, el('span', { class: 'badge ' + e.payloadStatus }, e.payloadStatus), ' ', e.payloadNote || '',
        e.payload === null ? null : json(e.payload))));
    show(el('h1', {}, 'Aggregate ', el('span', { id: 'aggregate-title' }, a.type + ' ' + a.id)),
      el('p', { class: 'note' }, 'latest version ', a.latestVersion),
      form,
      el('h2', {}, 'State at version ', el('span', { id: 'state-version' }, a.version)),
      a.state === null ? el('p', { class: 'note', id: 'state-note' }, a.stateNote) : el('div', { id: 'aggregate-state' }, json(a.state)),
      el('h2', {}, 'Stream'),
      table([{ label: 'version', num: true }, { label: 'position', num: true }, 'time', 'name', 'payload'], rows, { id: 'stream-table' }));
  }

  // --- projections -------------------------------------------------------------------------
  async function renderProjections() {
    const answer = await api('projections');
    const list = answer.projections;
    let running = false;
    const rows = list.map(p => {
      const job = p.job;
      if (job && job.state === 'running') running = true;
      const progress = job ? el('div', {},
        el('progress', { max: '1', value: String(job.progress), class: 'job-progress' }), ' ',
        el('span', { class: 'badge job-state ' + job.state }, job.state), ' ',
        Math.round(job.progress * 100) + '%') : '—';
      const actions = el('td', {});
      const stored = p.status === 'stored progress'; // no schedule here: read only
      if (session.writesEnabled && !stored) {
        const busy = job && job.state === 'running';
        for (const [label, reset] of [['Trigger', false], ['Rebuild', true]]) {
          const b = el('button', { class: reset ? 'secondary rebuild' : 'trigger', type: 'button' }, label);
          b.disabled = busy;
          b.addEventListener('click', async () => {
            b.disabled = true;
            try {
              await api('projections/' + encodeURIComponent(p.name) + '/trigger', { body: { reset } });
              actionError = null;
            } catch (e) {
              actionError = label + ' ' + p.name + ': ' + e.message;
            }
            route();
          });
          actions.append(b, ' ');
        }
      }
      return el('tr', { class: 'projection-row', 'data-name': p.name },
        el('td', {}, p.name),
        el('td', { class: 'num' }, p.position),
        el('td', { class: 'num' }, p.head),
        el('td', { class: 'num' }, p.lag),
        el('td', {}, el('span', { class: 'badge ' + p.status.replace(' ', '-') }, p.status)),
        el('td', { class: 'error' }, p.lastError || ''),
        el('td', { class: 'num' }, p.deadLetterCount === null ? '—' : p.deadLetterCount),
        el('td', {}, progress),
        actions);
    });
    show(el('h1', {}, 'Projections'),
      actionError ? el('p', { class: 'error', id: 'action-error' }, actionError) : null,
      table(['schedule', { label: 'position', num: true }, { label: 'head', num: true }, { label: 'lag', num: true },
        'status', 'last error', { label: 'dead letters', num: true }, 'job', ''], rows, { id: 'projections-table' }),
      answer.storedProgressError ? el('p', { class: 'error', id: 'stored-progress-error' }, answer.storedProgressError) : null,
      list.length === 0 ? el('p', { class: 'note' }, 'No schedules are registered with the console, and the store keeps no projection\'s progress.') : null,
      list.some(p => p.status === 'stored progress')
        ? el('p', { class: 'note' }, 'Rows with the status "stored progress" are the positions the store keeps for projections this console has no schedule of: read only, without dead letters or jobs.')
        : null,
      deadLetterSection(list));
    if (running) pollTimer = setTimeout(() => { if (parseHash().parts[0] === 'projections') route(); }, 500);
  }

  // The dead letters each schedule lists (its latest ones), with Retry and Evict when writes are on.
  function deadLetterSection(list) {
    const rows = [];
    for (const p of list) {
      for (const d of p.deadLetters || []) {
        const actions = el('td', {});
        if (session.writesEnabled) {
          for (const action of ['retry', 'evict']) {
            const label = action === 'retry' ? 'Retry' : 'Evict';
            const b = el('button', { class: action === 'retry' ? 'dead-letter-retry' : 'secondary dead-letter-evict', type: 'button' }, label);
            b.addEventListener('click', async () => {
              b.disabled = true;
              try {
                await api('projections/' + encodeURIComponent(p.name) + '/dead-letters/' + encodeURIComponent(d.eventId)
                  + '/' + action, { body: { projection: d.projection } });
                actionError = null;
              } catch (e) {
                actionError = label + ' ' + d.eventId + ' (' + d.projection + '): ' + e.message;
              }
              route();
            });
            actions.append(b, ' ');
          }
        }
        rows.push(el('tr', { class: 'dead-letter-row', 'data-event-id': d.eventId, 'data-projection': d.projection },
          el('td', {}, p.name),
          el('td', {}, d.projection),
          el('td', { class: 'num' }, d.position),
          el('td', {}, d.eventName),
          el('td', {}, hashLink(d.eventId, 'events', { after: String(d.position - 1), until: String(d.position) })),
          el('td', { class: 'error' }, d.error || ''),
          actions));
      }
    }
    if (rows.length === 0) return null;
    return el('section', { id: 'dead-letters' },
      el('h2', {}, 'Dead letters'),
      table(['schedule', 'projection', { label: 'position', num: true }, 'event', 'id', 'error', ''], rows, { id: 'dead-letters-table' }));
  }

  route();
})();
