/* rasd web page: search with facets, a timeline, an escalation map and live alerts.
 *
 * Plain JavaScript, no build step, nothing fetched from anywhere but this API:
 *   GET /search, /signals, /health, /alerts (API key), /alerts/stream (API key, server-sent events read
 *   with fetch() because EventSource cannot send headers), /web/governorates.geojson, /web/labels.json.
 * Text from the API is always put in the page as text (never as HTML).
 */
(function () {
  'use strict';

  const SVG_NS = 'http://www.w3.org/2000/svg';
  const PAGE_SIZE = 20;
  const SIGNALS_REFRESH_MS = 60000;
  const MAX_ALERTS_SHOWN = 100;
  const RETRY_MIN_MS = 3000;
  const RETRY_MAX_MS = 30000;
  const KEY_STORAGE = 'rasd.apiKey';
  // facet name in the search response -> query parameter of GET /search
  const FACET_PARAMS = { governorates: 'governorate', actors: 'actor', event_types: 'event_type', sources: 'source' };
  const FACET_ORDER = ['governorates', 'actors', 'event_types', 'sources'];
  const EVENT_LABELS = {
    armed_clash: ['اشتباكات مسلحة', 'Armed clash'],
    shelling: ['قصف', 'Shelling'],
    airstrike: ['غارة جوية', 'Airstrike'],
    explosion: ['انفجار', 'Explosion'],
    raid_arrest: ['مداهمة واعتقال', 'Raid / arrest'],
    killing: ['قتل', 'Killing'],
    military_buildup: ['حشود عسكرية', 'Military build-up'],
    territorial_change: ['تغيّر السيطرة', 'Territorial change'],
    negotiation: ['مفاوضات', 'Negotiation'],
    defection: ['انشقاق', 'Defection'],
    protest: ['احتجاج', 'Protest'],
    displacement: ['نزوح', 'Displacement'],
  };
  const SEVERITY_LABELS = { low: ['منخفضة', 'low'], medium: ['متوسطة', 'medium'], high: ['مرتفعة', 'high'] };
  const ESCALATION_BINS = [0.2, 0.4, 0.6, 0.8];  // upper bounds of bins 0..3; bin 4 is 0.8–1

  const state = {
    q: '', since: '', until: '', minEscalation: '', sort: 'relevance', page: 1,
    filters: { governorates: [], actors: [], event_types: [], sources: [] },
  };
  const labels = { actors: {}, governorates: {} };
  const filterable = new Set(['governorates', 'actors', 'event_types']);
  let lastResponse = null;
  let searchSeq = 0;
  let signalScores = new Map();  // governorate -> {score, level, window_end}
  let boundaries = null;

  const $ = (id) => document.getElementById(id);

  // ---- small DOM helpers ---------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    setAttributes(node, attrs);
    appendAll(node, children);
    return node;
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    setAttributes(node, attrs);
    appendAll(node, children);
    return node;
  }

  function setAttributes(node, attrs) {
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === 'text') node.textContent = value;
      else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? '' : String(value));
    }
  }

  function appendAll(node, children) {
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  /** Arabic text with its English beside it: "إدلب <span lang=en>Idlib</span>". */
  function bilingual(ar, en) {
    if (!en || en === ar) return [ar];
    return [ar, ' ', el('span', { lang: 'en', class: 'en', text: en })];
  }

  /** The text with each (start, end) span wrapped in <mark>. */
  function highlight(text, spans) {
    const parts = [];
    let cursor = 0;
    for (const [start, end] of (spans || []).slice().sort((a, b) => a[0] - b[0])) {
      if (start < cursor) continue;
      parts.push(text.slice(cursor, start), el('mark', { text: text.slice(start, end) }));
      cursor = end;
    }
    parts.push(text.slice(cursor));
    return parts.filter((p) => p !== '');
  }

  /** Whether a report's own address may be linked (http or https only, never javascript:). */
  function isWebAddress(address) {
    if (!address) return false;
    try {
      return ['http:', 'https:'].includes(new URL(address).protocol);
    } catch (err) {
      return false;
    }
  }

  function escalationBin(score) {
    if (score === null || score === undefined || Number.isNaN(score)) return null;
    const index = ESCALATION_BINS.findIndex((bound) => score < bound);
    return index === -1 ? ESCALATION_BINS.length : index;
  }

  function formatDate(iso, withTime) {
    if (!iso) return '';
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return iso;
    const text = date.toISOString();
    return withTime ? `${text.slice(0, 10)} ${text.slice(11, 16)} UTC` : text.slice(0, 10);
  }

  function displayName(facet, value) {
    if (facet === 'actors') {
      const known = labels.actors[value];
      return known ? bilingual(known.ar, known.en) : [value];
    }
    if (facet === 'governorates') {
      const known = labels.governorates[value];
      return known ? bilingual(known.ar, value) : [value];
    }
    if (facet === 'event_types') {
      const known = EVENT_LABELS[value];
      return known ? bilingual(known[0], known[1]) : [value];
    }
    return [value];
  }

  function plainName(facet, value) {
    return displayName(facet, value).map((p) => (p instanceof Node ? p.textContent : p)).join('');
  }

  async function describeError(response) {
    try {
      const body = await response.json();
      const detail = typeof body.detail === 'string' ? body.detail : JSON.stringify(body.detail);
      return `${response.status}: ${detail}`;
    } catch (err) {
      return `${response.status} ${response.statusText}`;
    }
  }

  async function getJson(url, options) {
    const response = await fetch(url, { headers: { Accept: 'application/json' }, ...(options || {}) });
    if (!response.ok) throw new Error(await describeError(response));
    return response.json();
  }

  // ---- state <-> address bar -----------------------------------------------------------------

  function readStateFromUrl() {
    const params = new URLSearchParams(window.location.search);
    state.q = params.get('q') || '';
    state.since = params.get('since') || '';
    state.until = params.get('until') || '';
    state.minEscalation = params.get('min_escalation') || '';
    state.sort = params.get('sort') === 'time' ? 'time' : 'relevance';
    state.page = Math.max(1, parseInt(params.get('page') || '1', 10) || 1);
    for (const facet of FACET_ORDER) state.filters[facet] = params.getAll(FACET_PARAMS[facet]);
  }

  function buildParams(forApi) {
    const params = new URLSearchParams();
    if (state.q.trim()) params.set('q', state.q.trim());
    for (const facet of FACET_ORDER) {
      if (forApi && !filterable.has(facet)) continue;
      for (const value of state.filters[facet]) params.append(FACET_PARAMS[facet], value);
    }
    if (state.since) params.set('since', state.since);
    if (state.until) params.set('until', state.until);
    if (state.minEscalation) params.set('min_escalation', state.minEscalation);
    if (state.sort !== 'relevance') params.set('sort', state.sort);
    if (state.page > 1) params.set('page', String(state.page));
    if (forApi) params.set('size', String(PAGE_SIZE));
    return params;
  }

  function writeStateToUrl() {
    const query = buildParams(false).toString();
    window.history.replaceState(null, '', query ? `?${query}` : window.location.pathname);
  }

  function syncForm() {
    $('q').value = state.q;
    $('since').value = state.since;
    $('until').value = state.until;
    $('min-escalation').value = state.minEscalation;
    $('sort').value = state.sort;
  }

  function readForm() {
    state.q = $('q').value;
    state.since = $('since').value;
    state.until = $('until').value;
    state.minEscalation = $('min-escalation').value;
    state.sort = $('sort').value;
  }

  function toggleFilter(facet, value) {
    const values = state.filters[facet];
    const at = values.indexOf(value);
    if (at === -1) values.push(value); else values.splice(at, 1);
    state.page = 1;
    runSearch();
  }

  // ---- search ----------------------------------------------------------------------------------

  async function runSearch() {
    const seq = ++searchSeq;
    writeStateToUrl();
    const results = $('results');
    results.setAttribute('aria-busy', 'true');
    results.dataset.state = 'loading';
    try {
      const body = await getJson(`/search?${buildParams(true)}`);
      if (seq !== searchSeq) return;
      lastResponse = body;
      renderSummary(body);
      renderResults(body);
      renderPager(body);
      renderFacets(body.facets);
      renderActiveFilters();
      renderTimeline(body.facets);
      renderMap();
      results.dataset.state = 'ready';
    } catch (err) {
      if (seq !== searchSeq) return;
      const summary = $('summary');
      summary.className = 'summary error';
      summary.replaceChildren('تعذّر البحث ', el('span', { lang: 'en', text: `Search failed — ${err.message}` }));
      results.replaceChildren();
      results.dataset.state = 'error';
    } finally {
      if (seq === searchSeq) results.removeAttribute('aria-busy');
    }
  }

  function renderSummary(body) {
    const summary = $('summary');
    summary.className = 'summary';
    const count = `${body.total}${body.total_is_exact ? '' : '+'}`;
    const parts = [el('bdi', { dir: 'ltr', text: count }), ' تقرير ',
      el('span', { lang: 'en', class: 'en', text: `${count} ${body.total === 1 ? 'report' : 'reports'}` })];
    if (body.query && body.query.q) {
      parts.push(' — ', 'عن ', el('bdi', { class: 'query-text', text: body.query.q }));
      if (body.query.search_form && body.query.script === 'arabic' && body.query.search_form !== body.query.q) {
        parts.push(' (بحثاً عن ', el('bdi', { text: body.query.search_form }), ' ',
          el('span', { class: 'en', lang: 'en', text: 'searched form' }), ')');
      }
    }
    summary.replaceChildren(...parts);
  }

  function renderResults(body) {
    const list = $('results');
    if (!body.hits.length) {
      list.replaceChildren(el('li', { class: 'hit' }, 'لا توجد نتائج. ', el('span', { lang: 'en', text: 'No reports match.' })));
      return;
    }
    list.replaceChildren(...body.hits.map(renderHit));
  }

  function renderHit(hit) {
    const title = hit.title
      ? highlight(hit.title, hit.title_highlights)
      : [(hit.snippets[0] && hit.snippets[0].text.slice(0, 90)) || hit.id];
    const bin = escalationBin(hit.escalation_score);
    const meta = [
      el('span', {}, 'المصدر ', el('span', { lang: 'en', class: 'en', text: 'Source' }), ': ',
        el('bdi', { text: hit.source || (hit.sources || []).join('، ') || '—' })),
      hit.published_at ? el('time', { datetime: hit.published_at, text: formatDate(hit.published_at, true) }) : null,
      hit.escalation_score !== null && hit.escalation_score !== undefined
        ? el('span', {}, 'التصعيد ', el('span', { lang: 'en', class: 'en', text: 'Escalation' }), ' ',
          el('span', { class: `escalation esc-${bin}`, text: hit.escalation_score.toFixed(2) }))
        : null,
      hit.killed !== null && hit.killed !== undefined
        ? el('span', {}, `قتلى ${hit.killed} `, el('span', { lang: 'en', class: 'en', text: `killed ${hit.killed}` })) : null,
      hit.injured !== null && hit.injured !== undefined
        ? el('span', {}, `جرحى ${hit.injured} `, el('span', { lang: 'en', class: 'en', text: `injured ${hit.injured}` })) : null,
    ];
    const tags = [
      ...(hit.governorates || []).map((g) => el('li', { class: 'tag tag-governorate' }, displayName('governorates', g))),
      ...(hit.event_types || []).map((t) => el('li', { class: 'tag tag-event' }, displayName('event_types', t))),
      ...(hit.actor_ids || []).map((a) => el('li', { class: 'tag tag-actor' }, displayName('actors', a))),
    ];
    const links = [el('a', { href: `/reports/${encodeURIComponent(hit.id)}` },
      'التقرير كاملاً ', el('span', { lang: 'en', class: 'en', text: 'Full report (JSON)' }))];
    if (isWebAddress(hit.url)) {
      links.unshift(el('a', { href: hit.url, rel: 'noopener noreferrer nofollow', target: '_blank' },
        'المصدر الأصلي ', el('span', { lang: 'en', class: 'en', text: 'Original' })), ' · ');
    }
    return el('li', { class: 'hit', 'data-id': hit.id },
      el('article', {},
        el('h3', { dir: 'auto' }, title),
        el('p', { class: 'hit-meta' }, meta),
        (hit.snippets || []).map((s) => el('p', { class: 'snippet', dir: 'auto' }, highlight(s.text, s.highlights))),
        tags.length ? el('ul', { class: 'tags', 'aria-label': 'الوسوم · Tags' }, tags) : null,
        el('p', { class: 'hit-meta' }, links)));
  }

  function renderPager(body) {
    const pages = Math.max(1, Math.ceil(Math.min(body.total, 10000) / PAGE_SIZE));
    $('pager').hidden = pages <= 1;
    $('prev-page').disabled = state.page <= 1;
    $('next-page').disabled = state.page >= pages;
    $('page-info').textContent = `${state.page} / ${pages}`;
  }

  function renderFacets(facets) {
    for (const facet of FACET_ORDER) {
      const list = document.querySelector(`.facet[data-facet="${facet}"] .facet-list`);
      const buckets = (facets[facet] || []).slice();
      for (const value of state.filters[facet]) {
        if (!buckets.some((b) => b.value === value)) buckets.push({ value, count: 0 });
      }
      if (!buckets.length) {
        list.replaceChildren(el('li', { class: 'facet-empty' }, 'لا شيء ', el('span', { lang: 'en', text: 'none' })));
        continue;
      }
      list.replaceChildren(...buckets.map((bucket) => {
        const content = [el('span', { class: 'facet-name', dir: 'auto' }, displayName(facet, bucket.value)),
          el('span', { class: 'facet-count', text: String(bucket.count) })];
        if (!filterable.has(facet)) return el('li', {}, el('span', { class: 'facet-static' }, content));
        const pressed = state.filters[facet].includes(bucket.value);
        return el('li', {}, el('button', {
          type: 'button', class: 'facet-button', 'aria-pressed': pressed ? 'true' : 'false',
          'data-facet': facet, 'data-value': bucket.value, onclick: () => toggleFilter(facet, bucket.value),
        }, content));
      }));
    }
  }

  function renderActiveFilters() {
    const box = $('active-filters');
    const chips = [];
    for (const facet of FACET_ORDER) {
      if (!filterable.has(facet)) continue;
      for (const value of state.filters[facet]) {
        chips.push(el('span', { class: 'chip' }, displayName(facet, value),
          el('button', { type: 'button', class: 'remove', 'aria-label': `إزالة المرشح · Remove filter: ${plainName(facet, value)}`,
            onclick: () => toggleFilter(facet, value), text: '×' })));
      }
    }
    if (chips.length) {
      chips.push(el('button', { type: 'button', onclick: clearFilters }, 'مسح الكل ', el('span', { lang: 'en', text: 'Clear all' })));
    }
    box.replaceChildren(...chips);
  }

  function clearFilters() {
    for (const facet of FACET_ORDER) state.filters[facet] = [];
    state.page = 1;
    runSearch();
  }

  // ---- timeline --------------------------------------------------------------------------------

  const INTERVAL_LABELS = { hour: ['ساعة', 'hour'], day: ['يوم', 'day'], week: ['أسبوع', 'week'],
    month: ['شهر', 'month'], year: ['سنة', 'year'] };

  function nextBucket(ms, interval) {
    const d = new Date(ms);
    if (interval === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    if (interval === 'year') return Date.UTC(d.getUTCFullYear() + 1, 0, 1);
    const step = { hour: 3600e3, day: 86400e3, week: 7 * 86400e3 }[interval] || 86400e3;
    return ms + step;
  }

  function bucketLabel(ms, interval) {
    const text = new Date(ms).toISOString();
    if (interval === 'hour') return `${text.slice(0, 10)} ${text.slice(11, 13)}:00`;
    if (interval === 'month') return text.slice(0, 7);
    if (interval === 'year') return text.slice(0, 4);
    return text.slice(0, 10);
  }

  /** Every bucket from the first to the last, the empty ones (not returned by the API) with 0. */
  function fillBuckets(buckets, interval) {
    const counts = new Map(buckets.map((b) => [new Date(b.date).getTime(), b.count]));
    const keys = [...counts.keys()].filter((k) => !Number.isNaN(k)).sort((a, b) => a - b);
    if (!keys.length) return [];
    const out = [];
    for (let ms = keys[0]; ms <= keys[keys.length - 1] && out.length < 500; ms = nextBucket(ms, interval)) {
      out.push({ ms, count: counts.get(ms) || 0 });
    }
    return out;
  }

  function renderTimeline(facets) {
    const box = $('timeline');
    const interval = facets.published_at_interval || 'day';
    const buckets = fillBuckets(facets.published_at || [], interval);
    const unit = INTERVAL_LABELS[interval] || [interval, interval];
    $('timeline-interval').replaceChildren('لكل ', unit[0], ' ', el('span', { lang: 'en', text: `per ${unit[1]}` }));
    if (!buckets.length) {
      box.replaceChildren(el('p', { class: 'timeline-empty' }, 'لا توجد تواريخ. ', el('span', { lang: 'en', text: 'No dates.' })));
      return;
    }
    // drawn at the box's own width, so the labels keep their size in CSS pixels
    const width = Math.max(320, Math.round(box.clientWidth || 640)), height = 150, left = 36, right = 8, top = 10, bottom = 24;
    const plotW = width - left - right, plotH = height - top - bottom;
    const max = Math.max(...buckets.map((b) => b.count));
    const slot = plotW / buckets.length;
    const barW = Math.min(28, Math.max(1, slot * 0.8));
    const peak = buckets.reduce((a, b) => (b.count > a.count ? b : a));
    const total = buckets.reduce((sum, b) => sum + b.count, 0);
    const first = bucketLabel(buckets[0].ms, interval), last = bucketLabel(buckets[buckets.length - 1].ms, interval);
    const chart = svg('svg', {
      viewBox: `0 0 ${width} ${height}`, role: 'img', direction: 'ltr', class: 'timeline-chart',
      'aria-label': `${total} تقرير من ${first} إلى ${last}، الذروة ${peak.count} في ${bucketLabel(peak.ms, interval)} · ` +
        `${total} reports from ${first} to ${last}, peak ${peak.count} on ${bucketLabel(peak.ms, interval)}`,
    });
    chart.append(
      svg('line', { class: 'axis', x1: left, y1: top + plotH, x2: width - right, y2: top + plotH }),
      svg('line', { class: 'axis', x1: left, y1: top, x2: left, y2: top + plotH }),
      svg('text', { x: left - 4, y: top + 4, 'text-anchor': 'end', text: String(max) }),
      svg('text', { x: left - 4, y: top + plotH, 'text-anchor': 'end', text: '0' }),
      svg('text', { x: left, y: height - 6, 'text-anchor': 'start', text: first }),
    );
    if (buckets.length > 1) chart.append(svg('text', { x: width - right, y: height - 6, 'text-anchor': 'end', text: last }));
    buckets.forEach((bucket, i) => {
      if (!bucket.count) return;
      const h = Math.max(1, (bucket.count / max) * plotH);
      chart.append(svg('rect', {
        class: 'bar', x: (left + i * slot + (slot - barW) / 2).toFixed(2), y: (top + plotH - h).toFixed(2),
        width: barW.toFixed(2), height: h.toFixed(2), 'data-date': bucketLabel(bucket.ms, interval), 'data-count': bucket.count,
      }, svg('title', { text: `${bucketLabel(bucket.ms, interval)}: ${bucket.count}` })));
    });
    box.replaceChildren(chart);
  }

  // ---- map -------------------------------------------------------------------------------------

  function polygonsOf(geometry) {
    return geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  }

  function ringArea(ring) {
    let area = 0;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) area += (ring[j][0] + ring[i][0]) * (ring[j][1] - ring[i][1]);
    return area / 2;
  }

  function ringCentroid(ring) {
    let x = 0, y = 0, a = 0;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const f = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
      x += (ring[j][0] + ring[i][0]) * f;
      y += (ring[j][1] + ring[i][1]) * f;
      a += f;
    }
    return a ? [x / (3 * a), y / (3 * a)] : ring[0];
  }

  /** A planar projection fitted to the features: longitude scaled by cos(mid-latitude). */
  function makeProjection(features, width, pad) {
    let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    for (const f of features) {
      for (const polygon of polygonsOf(f.geometry)) {
        for (const [lon, lat] of polygon[0]) {
          minX = Math.min(minX, lon); maxX = Math.max(maxX, lon); minY = Math.min(minY, lat); maxY = Math.max(maxY, lat);
        }
      }
    }
    const k = Math.cos(((minY + maxY) / 2) * Math.PI / 180);
    const scale = (width - 2 * pad) / ((maxX - minX) * k);
    const height = Math.ceil((maxY - minY) * scale + 2 * pad);
    return { height, project: ([lon, lat]) => [pad + (lon - minX) * k * scale, pad + (maxY - lat) * scale] };
  }

  function pathData(geometry, project) {
    return polygonsOf(geometry).map((polygon) => polygon.map((ring) => 'M' + ring.map((p) => {
      const [x, y] = project(p);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    }).join('L') + 'Z').join('')).join('');
  }

  /** The score shown for each governorate: latest signals, else the highest among the results shown. */
  function mapScores() {
    if (signalScores.size) return { source: 'signals', scores: signalScores };
    const scores = new Map();
    for (const hit of (lastResponse && lastResponse.hits) || []) {
      if (hit.escalation_score === null || hit.escalation_score === undefined) continue;
      for (const g of hit.governorates || []) {
        const known = scores.get(g);
        if (!known || hit.escalation_score > known.score) scores.set(g, { score: hit.escalation_score });
      }
    }
    return { source: scores.size ? 'results' : 'none', scores };
  }

  function renderMap() {
    const box = $('map');
    if (!boundaries) return;
    const { source, scores } = mapScores();
    const width = 420;
    const { height, project } = makeProjection(boundaries.features, width, 8);
    const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'map-chart', direction: 'ltr',
      role: 'group', 'aria-label': 'خريطة المحافظات السورية · Map of Syria\'s governorates' });
    const labelsLayer = svg('g', { 'aria-hidden': 'true' });
    for (const feature of boundaries.features) {
      const { name, name_ar: nameAr } = feature.properties;
      const entry = scores.get(name);
      const bin = entry ? escalationBin(entry.score) : null;
      const selected = state.filters.governorates.includes(name);
      const scoreText = entry ? `التصعيد ${entry.score.toFixed(2)} · escalation ${entry.score.toFixed(2)}` +
        (entry.level ? ` (${entry.level})` : '') : 'لا بيانات · no data';
      const label = `${nameAr} ${name}: ${scoreText}`;
      const path = svg('path', {
        d: pathData(feature.geometry, project), 'fill-rule': 'evenodd',
        class: `governorate fill-${bin === null ? 'none' : bin}${selected ? ' selected' : ''}`,
        'data-governorate': name, 'data-pcode': feature.properties.pcode,
        'data-score': entry ? entry.score : '', tabindex: '0', role: 'button',
        'aria-pressed': selected ? 'true' : 'false', 'aria-label': label,
      }, svg('title', { text: label }));
      path.addEventListener('click', () => toggleFilter('governorates', name));
      path.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); toggleFilter('governorates', name); }
      });
      chart.append(path);
      const largest = polygonsOf(feature.geometry).reduce((a, b) => (Math.abs(ringArea(b[0])) > Math.abs(ringArea(a[0])) ? b : a));
      if (Math.abs(ringArea(largest[0])) > 0.25) {  // square degrees: no label on Damascus, Quneitra, Tartus …
        const [x, y] = project(ringCentroid(largest[0]));
        labelsLayer.append(svg('text', { class: 'map-label', x: x.toFixed(1), y: y.toFixed(1), 'text-anchor': 'middle', text: nameAr }));
      }
    }
    chart.append(labelsLayer);
    box.replaceChildren(chart);
    const caption = {
      signals: ['آخر إشارة تصعيد لكل محافظة', 'Latest escalation signal per governorate'],
      results: ['أعلى تصعيد في النتائج المعروضة', 'Highest escalation among the results shown'],
      none: ['لا توجد درجات تصعيد بعد', 'No escalation scores yet'],
    }[source];
    $('map-source').replaceChildren(caption[0], ' · ', el('span', { lang: 'en', text: caption[1] }));
    box.dataset.source = source;
  }

  function renderLegend() {
    const bounds = [0, ...ESCALATION_BINS, 1];
    const items = bounds.slice(0, -1).map((low, i) => el('span', { class: 'legend-item' },
      el('span', { class: 'swatch', 'data-bin': i }), el('bdi', { dir: 'ltr', text: `${low.toFixed(1)}–${bounds[i + 1].toFixed(1)}` })));
    items.push(el('span', { class: 'legend-item' }, el('span', { class: 'swatch', 'data-bin': 'none' }),
      'لا بيانات ', el('span', { lang: 'en', class: 'en', text: 'no data' })));
    $('map-legend').replaceChildren(...items);
    for (const swatch of $('map-legend').querySelectorAll('.swatch')) swatch.classList.add(`esc-${swatch.dataset.bin}`);
  }

  async function loadSignals() {
    try {
      const body = await getJson('/signals?size=100');
      const latest = new Map();
      for (const signal of body.signals) {  // newest window first
        if (signal.key_type !== 'governorate' || !signal.key || latest.has(signal.key) || signal.score === null) continue;
        latest.set(signal.key, { score: signal.score, level: signal.level, window_end: signal.window_end });
      }
      signalScores = latest;
    } catch (err) {
      signalScores = new Map();
    }
    renderMap();
  }

  // ---- live alerts -----------------------------------------------------------------------------

  const alerts = { key: null, controller: null, lastEventId: null, seen: new Set(), attempts: 0, timer: null, retryMs: RETRY_MIN_MS };

  function setAlertsStatus(kind, ar, en) {
    const status = $('alerts-status');
    status.className = `alerts-status ${kind}`;
    status.dataset.state = kind;
    status.replaceChildren(ar, ' ', el('span', { lang: 'en', text: en }));
  }

  function renderAlert(alert, fresh) {
    const severity = SEVERITY_LABELS[alert.severity] || [alert.severity || '', alert.severity || ''];
    const when = alert.published_at || alert.created_at;
    const places = (alert.governorates || []).map((g) => plainName('governorates', g)).join('، ');
    const events = (alert.event_types || []).map((t) => plainName('event_types', t)).join('، ');
    const details = [`الخطورة ${severity[0]} · severity ${severity[1]}`, places, events, alert.kind === 'digest' ? `${alert.count} alerts` : '']
      .filter(Boolean).join(' — ');
    const link = alert.report_id ? el('a', { href: `/reports/${encodeURIComponent(alert.report_id)}`, lang: 'en', text: 'JSON' }) : null;
    return el('li', { class: `alert severity-${alert.severity}${fresh ? ' fresh' : ''}`, 'data-id': alert.id },
      el('p', { class: 'alert-title', dir: 'auto' }, alert.title || alert.report_id || alert.signal_id || alert.id,
        fresh ? el('span', { class: 'badge' }, 'جديد ', el('span', { lang: 'en', text: 'new' })) : null),
      el('p', { class: 'alert-meta' }, details),
      el('p', { class: 'alert-meta' }, when ? el('time', { datetime: when, text: formatDate(when, true) }) : null, link ? ' · ' : null, link),
      (alert.reasons || []).length ? el('ul', { class: 'alert-reasons', dir: 'auto' },
        alert.reasons.slice(0, 3).map((r) => el('li', { text: r }))) : null);
  }

  function addAlert(alert, fresh) {
    if (!alert || !alert.id || alerts.seen.has(alert.id)) return;
    alerts.seen.add(alert.id);
    const list = $('alerts-list');
    const item = renderAlert(alert, fresh);
    if (fresh) list.prepend(item); else list.append(item);
    while (list.children.length > MAX_ALERTS_SHOWN) list.lastElementChild.remove();
  }

  async function loadRecentAlerts(key) {
    try {
      const body = await getJson('/alerts?size=20', { headers: { Accept: 'application/json', Authorization: `Bearer ${key}` } });
      if (alerts.key === key) body.alerts.forEach((a) => addAlert(a, false));
    } catch (err) {
      // the stream reports a bad key; the history is only a convenience
    }
  }

  /** Read a text/event-stream body, calling onEvent({event, data, id}) for each event. */
  async function readEventStream(body, onEvent) {
    const reader = body.getReader();
    const decoder = new TextDecoder('utf-8');
    let buffer = '';
    let event = { event: 'message', data: [], id: null };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let newline;
      while ((newline = buffer.search(/\r\n|\r|\n/)) !== -1) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
        if (line === '') {
          if (event.data.length) onEvent({ event: event.event, data: event.data.join('\n'), id: event.id });
          event = { event: 'message', data: [], id: null };
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        let value = colon === -1 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'event') event.event = value;
        else if (field === 'data') event.data.push(value);
        else if (field === 'id') { event.id = value; alerts.lastEventId = value; }
        else if (field === 'retry' && /^\d+$/.test(value)) alerts.retryMs = Math.max(RETRY_MIN_MS, parseInt(value, 10));
      }
    }
  }

  function handleStreamEvent(message) {
    if (message.event !== 'alert' && message.event !== 'digest') return;
    try {
      addAlert(JSON.parse(message.data), true);
    } catch (err) {
      // a malformed event is skipped; the next one may be fine
    }
  }

  async function openStream(key) {
    const controller = new AbortController();
    alerts.controller = controller;
    setAlertsStatus('connecting', 'جارٍ الاتصال…', 'Connecting…');
    try {
      const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${key}` };
      if (alerts.lastEventId) headers['Last-Event-ID'] = alerts.lastEventId;
      const response = await fetch('/alerts/stream', { headers, signal: controller.signal, cache: 'no-store' });
      if (response.status === 401 || response.status === 403) {
        const detail = await describeError(response);
        stopAlerts();
        sessionStorage.removeItem(KEY_STORAGE);
        setAlertsStatus('error', 'المفتاح غير صالح.', `The API key was refused (${detail}).`);
        return;
      }
      if (!response.ok || !response.body) throw new Error(await describeError(response));
      alerts.attempts = 0;
      setAlertsStatus('live', 'متصل — بانتظار التنبيهات', 'Connected — waiting for alerts');
      await readEventStream(response.body, handleStreamEvent);
      if (!controller.signal.aborted) scheduleReconnect(key, 'the server closed the stream');
    } catch (err) {
      if (!controller.signal.aborted) scheduleReconnect(key, err.message);
    }
  }

  function scheduleReconnect(key, reason) {
    if (alerts.key !== key) return;
    alerts.attempts += 1;
    const delay = Math.min(RETRY_MAX_MS, alerts.retryMs * 2 ** Math.min(alerts.attempts - 1, 4));
    setAlertsStatus('error', `انقطع الاتصال؛ إعادة المحاولة بعد ${Math.round(delay / 1000)} ث.`,
      `Disconnected (${reason}); retrying in ${Math.round(delay / 1000)} s.`);
    alerts.timer = window.setTimeout(() => { if (alerts.key === key) openStream(key); }, delay);
  }

  function stopAlerts() {
    alerts.key = null;
    if (alerts.controller) alerts.controller.abort();
    alerts.controller = null;
    window.clearTimeout(alerts.timer);
    $('alerts-connect').disabled = false;
    $('alerts-disconnect').disabled = true;
  }

  function startAlerts(key) {
    stopAlerts();
    alerts.key = key;
    alerts.attempts = 0;
    sessionStorage.setItem(KEY_STORAGE, key);
    $('alerts-connect').disabled = true;
    $('alerts-disconnect').disabled = false;
    loadRecentAlerts(key);
    openStream(key);
  }

  // ---- health and start-up ---------------------------------------------------------------------

  async function loadHealth() {
    const box = $('health');
    try {
      const body = await getJson('/health');
      const es = body.elasticsearch || {};
      box.className = body.status === 'ok' ? 'health' : 'health bad';
      box.replaceChildren(body.status === 'ok' ? 'الخدمة تعمل' : 'الخدمة متعثرة', ' ',
        el('span', { lang: 'en', text: body.backend === 'sqlite'
          ? `API ${body.version} · embedded SQLite`
          : body.status === 'ok'
            ? `API ${body.version} · Elasticsearch ${es.version || ''}`
            : `Elasticsearch unreachable: ${es.error || ''}` }));
    } catch (err) {
      box.className = 'health bad';
      box.replaceChildren('تعذّر الوصول إلى الخدمة ', el('span', { lang: 'en', text: `API unreachable: ${err.message}` }));
    }
  }

  /** Learn from the OpenAPI document which facets GET /search can filter on (e.g. source). */
  async function loadSearchParameters() {
    try {
      const spec = await getJson('/openapi.json');
      const names = new Set(((spec.paths['/search'] || {}).get || {}).parameters.map((p) => p.name));
      for (const facet of FACET_ORDER) {
        if (names.has(FACET_PARAMS[facet])) filterable.add(facet); else filterable.delete(facet);
      }
    } catch (err) {
      // keep the defaults: governorate, actor and event type are filters of every API version
    }
  }

  async function loadLabels() {
    try {
      const body = await getJson('/web/labels.json');
      Object.assign(labels.actors, body.actors || {});
      Object.assign(labels.governorates, body.governorates || {});
    } catch (err) {
      // ids are shown as they are
    }
  }

  async function loadBoundaries() {
    try {
      boundaries = await getJson('/web/governorates.geojson');
    } catch (err) {
      $('map').replaceChildren(el('p', { class: 'muted' }, 'تعذّر تحميل الخريطة ', el('span', { lang: 'en', text: `Map unavailable: ${err.message}` })));
    }
  }

  function wireEvents() {
    $('search-form').addEventListener('submit', (event) => {
      event.preventDefault();
      readForm();
      state.page = 1;
      runSearch();
    });
    for (const id of ['since', 'until', 'min-escalation', 'sort']) {
      $(id).addEventListener('change', () => { readForm(); state.page = 1; runSearch(); });
    }
    $('prev-page').addEventListener('click', () => { state.page = Math.max(1, state.page - 1); runSearch().then(() => $('results-title').focus()); });
    $('next-page').addEventListener('click', () => { state.page += 1; runSearch().then(() => $('results-title').focus()); });
    $('alerts-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const key = $('api-key').value.trim();
      if (!key) {
        setAlertsStatus('error', 'أدخل مفتاحاً.', 'Enter an API key.');
        $('api-key').focus();
        return;
      }
      startAlerts(key);
    });
    $('alerts-disconnect').addEventListener('click', () => {
      stopAlerts();
      sessionStorage.removeItem(KEY_STORAGE);
      setAlertsStatus('', 'غير متصل', 'Not connected');
    });
  }

  async function start() {
    readStateFromUrl();
    syncForm();
    wireEvents();
    renderLegend();
    let resizeTimer = null;
    window.addEventListener('resize', () => {
      window.clearTimeout(resizeTimer);
      resizeTimer = window.setTimeout(() => { if (lastResponse) renderTimeline(lastResponse.facets); }, 200);
    });
    loadHealth();
    await Promise.all([loadLabels(), loadSearchParameters(), loadBoundaries()]);
    runSearch();
    loadSignals();
    window.setInterval(loadSignals, SIGNALS_REFRESH_MS);
    const saved = sessionStorage.getItem(KEY_STORAGE);
    if (saved) {
      $('api-key').value = saved;
      startAlerts(saved);
    }
  }

  document.addEventListener('DOMContentLoaded', start);
}());
