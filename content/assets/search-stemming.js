// Norwegian search that understands inflected words.
//
// Material for MkDocs stems the index (the "no" stemmer turns "rutinene" into "rutin") but
// sends every query term as a prefix wildcard ("rutinene*"), which lunr does not stem, so
// inflected words found nothing. Material 9 has no hook for the query transform, so this
// wraps the search worker and sends each plain term twice: once as "term^1" (boosted, no
// wildcard, so lunr stems it like the index) and once as typed (Material adds the wildcard,
// so search-as-you-type still works). Must load before Material's bundle creates the worker.
(function () {
  "use strict";
  var NativeWorker = window.Worker;
  if (!NativeWorker) return;

  function transform(query) {
    if (/["+\-~^:*]/.test(query)) return query; // the reader wrote lunr syntax: leave it alone
    return query.split(/\s+/).filter(Boolean).map(function (term) {
      return term + "^1 " + term;
    }).join(" ");
  }

  function StemmingWorker(url, options) {
    var worker = new NativeWorker(url, options);
    var post = worker.postMessage.bind(worker);
    worker.postMessage = function (message, transfer) {
      if (message && message.type === 2 && typeof message.data === "string") {
        message = { type: 2, data: transform(message.data) };
      }
      return transfer ? post(message, transfer) : post(message);
    };
    return worker;
  }
  StemmingWorker.prototype = NativeWorker.prototype;
  window.Worker = StemmingWorker;
})();
