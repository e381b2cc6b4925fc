// Search as you type: the header's search box is an ARIA combobox over /api/autocomplete.
// ArrowDown/ArrowUp move through the suggestions, Enter opens the chosen code (or searches
// when none is chosen), Escape closes the list. Without JavaScript the box is a plain form.
(() => {
  'use strict';
  const box = document.getElementById('q');
  const list = document.getElementById('suggest');
  const live = document.getElementById('live');
  if (!box || !list) return;
  let seq = 0, active = -1, timer = 0, items = [];

  const close = () => {
    list.hidden = true;
    box.setAttribute('aria-expanded', 'false');
    box.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const choose = (i) => {
    const opts = list.querySelectorAll('[role=option]');
    opts.forEach((o, j) => o.setAttribute('aria-selected', j === i ? 'true' : 'false'));
    active = i;
    if (i >= 0 && opts[i]) {
      box.setAttribute('aria-activedescendant', opts[i].id);
      opts[i].scrollIntoView({block: 'nearest'});
    } else {
      box.removeAttribute('aria-activedescendant');
    }
  };
  const open = (code) => { window.location.href = '/codes/' + encodeURIComponent(code); };

  const show = (results) => {
    items = results;
    list.replaceChildren(...results.map((x, i) => {
      const li = document.createElement('li');
      li.id = 'suggest-' + i;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', 'false');
      const a = document.createElement('a');
      a.href = '/codes/' + encodeURIComponent(x.code);
      a.tabIndex = -1;
      const code = document.createElement('span');
      code.className = 'code';
      code.textContent = x.code;
      a.append(code, ' ' + x.title);
      const why = document.createElement('span');
      why.className = 'why';
      why.textContent = x.matched.via + ': ' + x.matched.path;
      a.append(why);
      li.append(a);
      li.addEventListener('mousedown', (e) => { e.preventDefault(); open(x.code); });
      return li;
    }));
    active = -1;
    if (results.length) {
      list.hidden = false;
      box.setAttribute('aria-expanded', 'true');
    } else {
      close();
    }
    if (live) live.textContent = results.length ? results.length + ' suggestions' : 'No suggestions';
  };

  const fetchSuggestions = async () => {
    const text = box.value.trim(), mine = ++seq;
    if (text.length < 2) { list.replaceChildren(); close(); return; }
    try {
      const r = await fetch('/api/autocomplete?limit=8&q=' + encodeURIComponent(text));
      if (mine !== seq || !r.ok) return;
      const data = await r.json();
      if (mine === seq) show(data.results || []);
    } catch (e) { /* offline or stopped: the form still works */ }
  };

  box.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(fetchSuggestions, 120); });
  box.addEventListener('keydown', (e) => {
    const n = items.length;
    if (e.key === 'ArrowDown') {
      if (list.hidden && n) { list.hidden = false; box.setAttribute('aria-expanded', 'true'); }
      if (n) { e.preventDefault(); choose((active + 1) % n); }
    } else if (e.key === 'ArrowUp') {
      if (n && !list.hidden) { e.preventDefault(); choose(active <= 0 ? n - 1 : active - 1); }
    } else if (e.key === 'Enter') {
      if (!list.hidden && active >= 0 && items[active]) { e.preventDefault(); open(items[active].code); }
    } else if (e.key === 'Escape') {
      if (!list.hidden) { e.preventDefault(); close(); }
    }
  });
  box.addEventListener('blur', () => setTimeout(close, 150));
  box.addEventListener('focus', () => { if (items.length && box.value.trim().length >= 2) {
    list.hidden = false; box.setAttribute('aria-expanded', 'true'); } });
})();
