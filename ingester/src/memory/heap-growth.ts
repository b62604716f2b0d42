// How far V8 lets its old generation grow before the next full collection. V8 counts memory allocated
// outside its heap since the last full collection (request bodies as the HTTP parser reads them; then
// also grpc-js's framed copy of each export) against that limit, and sizes the limit from how busy
// the program looks: a mostly idle ingester gets little room. At a steady 10,000 LLM spans/s, buffers
// still waiting for a scavenge then reached the limit, and full collections followed one another: 84–90
// in 20 s in two runs of three (a quarter of a core), against 2–10 when the room happened to be larger.
// A fixed growth factor of 3 gives that room every time (2–3 in 20 s in eleven runs); saturated runs
// collect as often as before (docs/performance.md). Node refuses this flag in NODE_OPTIONS, so it is
// set here, at start; V8 reads it each time it sets the limit.
import { setFlagsFromString } from 'node:v8';

const HEAP_GROWING_PERCENT = 200;

export function setHeapGrowth(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
