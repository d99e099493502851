/**
 * Types for comlink's ESM build, imported by path. comlink 4.4.2 has no `exports` map: its
 * package main is a UMD bundle that Node's ESM loader cannot take named imports from, so we
 * import the ESM build by path and borrow the package's own types for it.
 */
declare module 'comlink/dist/esm/comlink.mjs' {
  export * from 'comlink';
}
