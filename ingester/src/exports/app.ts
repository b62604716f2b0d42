// `@koder-trace/ingester/app`: start an ingester in process (`make run` embeds one).
export { type Ingester, type IngesterOptions, startIngester } from '../app.ts';
