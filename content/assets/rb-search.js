// The site search: a box in the page that asks the static Pagefind index under /pagefind/.
//
// Nothing leaves the site and nothing is stored on the device: no cookies, no localStorage,
// no query in the address bar or history (the box is not a form). The index is chunked, so
// the first search fetches the few kilobytes for the typed words, not the whole index.
//
// Before asking Pagefind the query is made to fit the index (see rutinebok/search_index.py):
// folded the same way (ø→o, å→a, æ→ae), small words dropped (they would otherwise match as
// prefixes: «til» would find «tildeling»), and each word checked against the index's
// vocabulary (one small file per first two letters): a word the index does not have gets an
// ending trimmed to a form it has, or else the nearest word one typo away (5+ letters).
(function () {
  "use strict";
  var box = document.querySelector("[data-rb-search]");
  if (!box) return;
  var input = box.querySelector("#rb-search-input");
  var results = box.querySelector("#rb-search-results");
  var status = box.querySelector("#rb-search-status");
  var root = new URL(box.getAttribute("data-rb-root") || "/", document.baseURI).pathname.replace(/\/?$/, "/");
  var MAX = 10;
  var STOP = new Set(("og i jeg det at en et den til er som pa de med han av ikke ikkje der sa var meg seg men " +
    "ett har om vi min mitt ha hadde hun na over da ved fra du ut sin dem oss opp man kan hans hvor eller " +
    "hva skal selv her alle vil bli ble blitt kunne inn nar vaere kom noen noe ville dere deres kun ja etter " +
    "ned skulle denne for deg si sine sitt mot hvorfor dette disse uten hvordan ingen din ditt blir samme " +
    "hvilken hvilket hvilke sann mellom hver hvem hvis bade bare enn fordi mange ogsa slik begge siden " +
    "meget mye litt ei jo seg sin sitt sine min mine vart dei dykk kva korleis").split(" "));
  var ENDINGS = ["ene", "ane", "ens", "ets", "het", "et", "en", "er", "ar", "a", "e", "s"];
  // Endings that make another form of the same word («krisesenter» -> «krisesenteret»).
  var INFLECTIONS = new Set(["", "e", "en", "et", "er", "ene", "a", "ar", "ane", "s", "es", "ens", "ets", "ers",
    "ne", "te", "de", "t", "n", "r"]);
  // Longer words that start like a shorter one but are another word: «gjelder» (verb) is not
  // a form of «gjeld» (debt). Matching them counts little.
  var NOT_FORMS = new Set(["gjelder", "gjelde", "gjeldende"]);
  var CANDIDATES = 10;
  var pagefind = null;
  var vocab = {};
  var seq = 0;

  // A page may say where its search belongs (the home page: below the emergency numbers, so
  // 112/113 stay at the top of a phone screen). Without a slot the box stays under the header.
  var slot = document.querySelector("[data-rb-search-slot]");
  if (slot) {
    slot.appendChild(box);
    box.classList.add("rb-search--in-page");
  }
  box.hidden = false;

  function fold(text) {
    return text.normalize("NFKC").toLowerCase()
      .replace(/ø/g, "o").replace(/æ/g, "ae").replace(/å/g, "a")
      .normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  }

  // On a national site (see rutinebok/search_index.py) pagefind/ has every page by title and
  // lead, and pagefind/omrade/ every page's whole text marked with its municipalities: a
  // search from a municipality's pages (omrade/<id>/…, chosen by the address alone) asks the
  // second for that municipality's pages and those for the whole country.
  var here = (function () {
    var path = location.pathname;
    if (path.lastIndexOf(root + "omrade/", 0) !== 0) return null;
    var id = path.slice(root.length + 7).split("/")[0];
    try { id = decodeURIComponent(id); } catch (e) { return null; }
    return /^[a-z0-9][a-z0-9-]*$/.test(id) && id !== "index.html" ? id : null;
  })();
  var scope = null;  // {area: id} once the index says a municipality's pages have their own
  var national = false;  // the index is the national one (titles and leads)

  function load() {
    if (!pagefind) {
      pagefind = fetch(root + "pagefind/rb-search.json", { cache: "no-cache" })
        .then(function (r) { return r.ok ? r.json() : {}; })
        .catch(function () { return {}; })
        .then(function (cfg) {
          var areas = cfg && typeof cfg.areas === "string" && /^[a-z0-9-]+\/$/.test(cfg.areas) ? cfg.areas : null;
          var map = areas && cfg.bundle && typeof cfg.bundle === "object" ? cfg.bundle : {};
          // Only a municipality the index knows has a bundle («hele-landet» or a typed id does not).
          var bundle = here && Object.prototype.hasOwnProperty.call(map, here) ? map[here] : null;
          if (typeof bundle === "number" && bundle >= 0 && bundle % 1 === 0) scope = { area: here };
          national = !!areas && !scope;
          return import(root + "pagefind/" + (scope ? areas + bundle + "/" : "") + "pagefind.js");
        }).then(function (pf) {
          // Short records (a page's sections) should not win only for being short.
          return pf.options({ ranking: { pageLength: 0.1, termSimilarity: 2.0, termSaturation: 1.2 } })
            .then(function () { pf.init(); return pf; });
        });
    }
    return pagefind;
  }

  function ask(pf, text) {
    return scope ? pf.search(text, { filters: { omrade: { any: [scope.area, "*"] } } }) : pf.search(text);
  }

  function shard(key) {
    if (!(key in vocab)) {
      vocab[key] = fetch(root + "pagefind/vocab/" + encodeURIComponent(key) + ".json")
        .then(function (r) { return r.ok ? r.json() : {}; })
        .catch(function () { return {}; });
    }
    return vocab[key];
  }

  // Optimal string alignment distance, stopping early above 1.
  function within1(a, b) {
    if (Math.abs(a.length - b.length) > 1) return false;
    var i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    if (i === a.length && i === b.length) return true;
    var ra = a.slice(i + 1), rb = b.slice(i + 1);
    return ra === rb ||                                  // substitution
      a.slice(i) === b.slice(i + 1) ||                   // insertion
      a.slice(i + 1) === b.slice(i) ||                   // deletion
      (a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2)); // transposition
  }

  function hasPrefix(words, p) {
    for (var w in words) if (w.lastIndexOf(p, 0) === 0) return true;
    return false;
  }

  function fit(term) {
    return shard(term.slice(0, 2)).then(function (words) {
      if (words[term] || hasPrefix(words, term)) return term;
      for (var i = 0; i < ENDINGS.length; i++) {
        var e = ENDINGS[i];
        var stem = term.slice(0, term.length - e.length);
        if (term.length - e.length >= 4 && term.slice(-e.length) === e && hasPrefix(words, stem)) return stem;
      }
      if (term.length < 5) return term;
      var best = null, bestN = 0;
      for (var w in words) {
        // A whole word one typo away, or (while typing) the start of one.
        var ok = within1(term, w) || (w.length > term.length && within1(term, w.slice(0, term.length)));
        if (ok && words[w] > bestN) { best = w; bestN = words[w]; }
      }
      return best || term;
    });
  }

  function terms(query) {
    var all = fold(query).match(/[a-z0-9]+/g) || [];
    var kept = all.filter(function (t) { return !STOP.has(t); });
    return kept.length ? kept : all;
  }

  function quality(term, word) {
    if (word === term) return 1;
    if (word.lastIndexOf(term, 0) !== 0) return 0;
    if (NOT_FORMS.has(word)) return 0.3;
    return INFLECTIONS.has(word.slice(term.length)) ? 0.9 : 0.6; // else a compound or longer word
  }

  // Pagefind matches every word as a prefix; rank again with how well each word matched (an
  // exact word or a form of it over a longer word that merely starts the same) and whether
  // the words are in the title.
  // The part of a page to show: its best section when most of the matches are there (a
  // section that answers is a result of its own), else the page.
  function unit(d) {
    var meta = d.meta || {};
    var info = {};
    try { info = JSON.parse(meta.sections || "{}"); } catch (e) { info = {}; }
    var anchors = info.anchors || [], shown = info.shown || {};
    var total = 0, best = null, bestScore = 0;
    (d.sub_results || []).forEach(function (sub) {
      var score = 0;
      (sub.weighted_locations || []).forEach(function (l) { score += l.balanced_score; });
      total += score;
      var m = /#s(\d+)$/.exec(sub.url || "");
      if (m && anchors[+m[1]] !== undefined && score > bestScore) { best = anchors[+m[1]]; bestScore = score; }
    });
    // The unit's own indexed words (all of them, not only the shown text): Pagefind's anchors
    // give where each section starts in the page's words.
    var all = (d.content || "").split(/\s+/);
    var starts = (d.anchors || []).filter(function (a) { return /^s\d+$/.test(a.id); })
      .map(function (a) { return { n: +a.id.slice(1), at: a.location }; })
      .sort(function (a, b) { return a.at - b.at; });
    function span(n) {
      for (var k = 0; k < starts.length; k++) {
        if (n === null ? true : starts[k].n === n) {
          var from = n === null ? 0 : starts[k].at;
          var to = n === null ? starts[k].at : (k + 1 < starts.length ? starts[k + 1].at : all.length);
          return all.slice(from, to);
        }
      }
      return all;
    }
    var page = { href: meta.url, title: meta.title, kind: meta.kind, page: "", text: meta.text || "",
                 words: span(null) };
    if (best === null || bestScore < 0.4 * total) return page;
    var sec = shown[best] || [best, ""];
    return { href: meta.url + "#" + best, title: sec[0], kind: meta.kind, page: meta.title, text: sec[1],
             words: span(anchors.indexOf(best)) };
  }

  // Pagefind matches every word as a prefix; rank again with how well each word matched (an
  // exact word or a form of it over a longer word that merely starts the same) and whether
  // the words are in the title.
  function rerank(query, fitted, found) {
    var top = found.slice(0, CANDIDATES);
    var typed = (fold(query).match(/[a-z0-9]+/g) || []).join(" ");
    return Promise.all(top.map(function (r) { return r.data(); })).then(function (items) {
      var best = 0;
      top.forEach(function (r) { best = Math.max(best, r.score); });
      var scored = items.map(function (d, i) {
        var u = unit(d);
        var body = u.words;
        var title = fold(u.title || "").match(/[a-z0-9]+/g) || [];
        var q = 1, inTitle = 0, often = 0;
        fitted.forEach(function (t) {
          var m = 0.15, n = 0;
          body.forEach(function (w) { var x = quality(t, w); m = Math.max(m, x); if (x >= 0.9) n++; });
          often += Math.min(n, 6) / 6;
          q *= m;
          var tm = 0;
          title.forEach(function (w) { tm = Math.max(tm, quality(t, w)); });
          inTitle += tm;
        });
        // A title that starts with what was typed is a name match («nav rade», «rusfaglig forum»).
        // (Not for glossary entries: they are named after the word, but explain it only.)
        var named = u.kind !== "Ordliste" && (" " + title.join(" ") + " ").indexOf(" " + typed + " ") === 0;
        var cover = title.length ? inTitle / Math.max(title.filter(function (w) { return !STOP.has(w); }).length, 1) : 0;
        return { u: u, s: Math.sqrt(top[i].score / (best || 1)) * q + 0.25 * (inTitle / fitted.length) +
          0.25 * Math.min(cover, 1) + 0.2 * (often / fitted.length) + (named ? 0.3 : 0) };
      });
      scored.sort(function (a, b) { return b.s - a.s; });
      return scored.map(function (x) { return x.u; });
    });
  }

  function run(query) {
    var words = terms(query);
    return Promise.all([load(), Promise.all(words.map(fit))]).then(function (got) {
      var pf = got[0], fitted = got[1];
      return ask(pf, fitted.join(" ")).then(function (res) {
        if (fitted.length < 2 || res.results.length >= 3) return res.results;
        // Too few records have every word: rank by how many of the words a record has.
        return Promise.all(fitted.map(function (t) { return ask(pf, t); })).then(function (each) {
          var merged = new Map();
          res.results.forEach(function (r) { merged.set(r.id, { r: r, s: fitted.length + 1 }); });
          each.forEach(function (one) {
            var top = one.results.length ? one.results[0].score : 1;
            one.results.forEach(function (r) {
              var m = merged.get(r.id) || { r: r, s: 0 };
              m.s += r.score / top;
              merged.set(r.id, m);
            });
          });
          return Array.from(merged.values()).sort(function (a, b) { return b.s - a.s; })
            .map(function (m) { return m.r; });
        });
      });
    });
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  // A few lines of the record's own text around the first typed word, the words marked.
  function excerpt(meta, fitted) {
    var out = el("span", "rb-hit__text");
    var parts = String(meta.text || "").split(/(\s+)/);
    var hit = function (word) {
      var w = (fold(word).match(/[a-z0-9]+/g) || []).join("");
      return w && fitted.some(function (t) { return quality(t, w) >= 0.6; });
    };
    var first = -1;
    for (var i = 0; i < parts.length && first < 0; i += 2) if (hit(parts[i])) first = i;
    var start = first < 0 ? 0 : Math.max(0, first - 16);
    var end = Math.min(parts.length, start + 50);
    if (start > 0) out.appendChild(document.createTextNode("… "));
    for (var j = start; j < end; j++) {
      if (j % 2 === 0 && hit(parts[j])) out.appendChild(el("mark", null, parts[j]));
      else out.appendChild(document.createTextNode(parts[j]));
    }
    if (end < parts.length) out.appendChild(document.createTextNode(" …"));
    return out;
  }

  function show(query, id, items, fitted) {
    if (id !== seq) return;
    results.textContent = "";
    // A national search looks in names and introductions only: the status says so (it is read
    // out), and a line under the results shows the way to the whole text.
    var where = national ? " i navn og innledninger" : scope ? " for denne kommunen" : "";
    if (!items.length) {
      status.textContent = "Ingen treff for «" + query + "»" + where + "." +
        (national ? " Velg kommunen din for å søke i hele teksten." : " Prøv et annet ord.");
    } else {
      status.textContent = (items.length === 1 ? "1 treff" : items.length + " treff") + where;
      var list = el("ol", "rb-search__list");
      items.forEach(function (d) {
        var li = el("li", "rb-search__item");
        var a = el("a", "rb-hit");
        var meta = d;  // a unit: the page or its best section
        a.href = root + String(meta.href || "").replace(/^\//, "");
        var where = meta.page && meta.page !== meta.kind ? meta.kind + " · " + meta.page : meta.kind;
        if (where) a.appendChild(el("span", "rb-hit__where", where));
        a.appendChild(el("span", "rb-hit__title", meta.title || meta.href));
        if (meta.text) a.appendChild(excerpt(meta, fitted));
        li.appendChild(a);
        list.appendChild(li);
      });
      results.appendChild(list);
    }
    if (national) {
      var hint = el("p", "rb-search__scope",
        "Her søker du bare i navnet og innledningen til rutinene. Vil du søke i hele teksten i rutinene der du bor? ");
      var pick = el("a", null, "Velg kommunen din og søk derfra.");
      pick.href = root + "omrade/";
      hint.appendChild(pick);
      results.appendChild(hint);
    }
    results.dataset.query = query;
    results.dataset.state = "done";
    if (follow) {
      follow = false;
      var first = results.querySelector("a.rb-hit");
      if (first) first.click();
    }
  }

  // One search at a time, and only for what the box says now: Pagefind answers in turn, so a
  // search per keystroke on a large site queued up behind searches for the first letters.
  // A last word of one or two letters is searched for only when the reader stops typing: as a
  // prefix it matches a large part of the index, which a phone would fetch for nothing.
  var running = false, again = false, wait = null, follow = false;

  function update(now) {
    var query = input.value.trim();
    var id = ++seq;
    results.dataset.state = "busy";
    clearTimeout(wait);
    if (!query) {
      results.textContent = "";
      status.textContent = "";
      results.dataset.query = "";
      results.dataset.state = "done";
      return;
    }
    var typed = fold(query).match(/[a-z0-9]+/g) || [""];
    if (now !== true && typed[typed.length - 1].length < 3) {
      wait = setTimeout(function () { update(true); }, 300);
      return;
    }
    if (running) { again = true; return; }
    running = true;
    var fitted;
    run(query).then(function (found) {
      if (id !== seq) return null;
      return Promise.all(terms(query).map(fit)).then(function (f) { fitted = f; return rerank(query, fitted, found); });
    }).then(function (items) {
      if (items) show(query, id, items.slice(0, MAX), fitted);
    }).catch(function () {
      if (id !== seq) return;
      status.textContent = "Søket virker ikke akkurat nå. Bruk menyen eller siden Kontakter.";
      follow = false;
      results.dataset.query = query;
      results.dataset.state = "done";
    }).then(function () {
      running = false;
      if (again) { again = false; if (id !== seq) update(); }
    });
  }

  input.addEventListener("input", function () { follow = false; update(); });
  input.addEventListener("focus", function () { load(); }, { once: true });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      if (results.dataset.state === "busy") {
        // The list still shows an earlier query's results: open the first result for what
        // the box says now, when it comes.
        follow = true;
        update(true);
        return;
      }
      var first = results.querySelector("a.rb-hit");
      if (first) first.click();
    } else if (event.key === "Escape") {
      input.value = "";
      update();
    }
  });
})();
