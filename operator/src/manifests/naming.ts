// Names moved to ../naming.ts; this re-export stays only until the pod roll (controller/rollout.ts,
// in progress elsewhere) imports them from there.
export { shortHash, tokenCopyName, tokenSecretIn, tokenSecretName } from '../naming.ts';
