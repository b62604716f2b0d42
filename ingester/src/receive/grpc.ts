// OTLP/gRPC receiver (TraceService/Export, port 4317). grpc-js inflates gzip/deflate itself; the
// request reaches us as the raw protobuf buffer and is decoded once by our scanner. Back-pressure
// errors carry a google.rpc.RetryInfo in grpc-status-details-bin, which OTel exporters honour.
import { Metadata, Server, type ServerUnaryCall, type ServiceError, type sendUnaryData } from '@grpc/grpc-js';
import { IngestError } from '../errors.ts';
import { decodeTraceRequest } from '../otlp/decode-proto.ts';
import { TRACE_SERVICE } from '../otlp/grpc-service.ts';
import { encodeExportResponse, encodeRpcStatus } from '../otlp/responses.ts';
import { decodeOrBadData, type ReceiverDeps } from './deps.ts';

export interface GrpcReceiverDeps extends ReceiverDeps {
  /** grpc-js refuses larger messages before they reach us (RESOURCE_EXHAUSTED). */
  maxReceiveBytes: number;
}

function toServiceError(err: IngestError): Partial<ServiceError> {
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', encodeRpcStatus(err.spec.grpc, err.message, err.retryAfterMs));
  return { code: err.spec.grpc, details: err.message, metadata };
}

export function createGrpcReceiver(deps: GrpcReceiverDeps): Server {
  const { pipeline, metrics, log } = deps;
  const server = new Server({
    'grpc.max_receive_message_length': deps.maxReceiveBytes,
    'grpc.max_send_message_length': 4 * 1024 * 1024,
  });
  const count = (code: string) => metrics.requests.inc({ transport: 'grpc', code });

  const exportHandler = (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
    try {
      if (deps.isShuttingDown()) throw new IngestError('SHUTTING_DOWN', undefined, 1000);
      const auth = call.metadata.get('authorization')[0];
      const tenant = deps.registry().authenticate(typeof auth === 'string' ? auth : auth?.toString('utf8'));
      if (!tenant) throw new IngestError('UNAUTHENTICATED');
      if (call.request.length > tenant.limits.maxRequestBytes) {
        throw new IngestError(
          'BODY_TOO_LARGE',
          `${call.request.length} > ${tenant.limits.maxRequestBytes} bytes`,
        );
      }
      const batch = decodeOrBadData(() => decodeTraceRequest(call.request));
      pipeline.push(tenant, batch);
      count('ok');
      callback(null, encodeExportResponse());
    } catch (err) {
      if (err instanceof IngestError) {
        count(err.code);
        callback(toServiceError(err));
        return;
      }
      count('INTERNAL');
      log.error({ err }, 'unexpected error handling an OTLP/gRPC request');
      callback({ code: 13, details: 'internal error' });
    }
  };

  server.addService(TRACE_SERVICE, { Export: exportHandler });
  return server;
}
