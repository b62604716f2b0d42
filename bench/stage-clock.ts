// CPU time of this process per pipeline stage, for the in-process benchmarks: each round of work
// takes a lap function and calls it after each stage with the stage's name.

/** CPU time (user + system) of this process, µs. */
export const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

export function stageClock<S extends string>(stages: readonly S[]) {
  const spent = Object.fromEntries(stages.map((s) => [s, 0])) as Record<S, number>;
  return {
    /** µs per stage so far. */
    spent,
    /** Starts a round: the returned function adds the time since the last lap to `stage`. */
    round(): (stage: S) => void {
      let t = cpu();
      return (stage) => {
        const now = cpu();
        spent[stage] += now - t;
        t = now;
      };
    },
  };
}
