// The value a map holds for a key, made and kept on first use. The pure builders use it for the
// objects tenants share (compile) and the renders tried more than once (the ConfigMaps).

export function remember<K, V>(made: Map<K, V>, key: K, make: () => V): V {
  const known = made.get(key);
  if (known !== undefined) return known;
  const value = make();
  made.set(key, value);
  return value;
}
