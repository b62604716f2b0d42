// `@koder-trace/operator/app`: an operator in process, from the same flags the program takes, for tests
// that drive it against a real API server.
export { type Operator, type OperatorOptions, startOperator } from '../app.ts';
export { type OperatorConfig, parseOperatorArgs } from '../config.ts';
