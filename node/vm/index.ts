// The VM: program validation, the one-step definition, the fast executor, step bookkeeping.
export * from "./memory";
export * from "./layout";
export * from "./step";
export * from "./validate";
export * from "./execute";
export * from "./selfcheck";
