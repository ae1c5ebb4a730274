// js-ipfs 0.66's dependency tree now resolves helpers (it-queue) that call Promise.withResolvers, which Node.js 22
// has and this machine's Node.js 20 lacks. The standard shape, for the benchmark's js-ipfs process only.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function () {
    let resolve, reject
    const promise = new Promise((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}
