/**
 * Wardline measures itself: outcome metrics for coordinators and charge nurses, computed
 * from the changes log, and operational metrics for IT at `/metrics`. docs/METRICS.md defines every
 * number and says where the composition root wires each part.
 */
export { registerOutcomeRoutes, type OutcomeRouteDeps } from './outcome-routes';
export {
  connectionsByTransport,
  createOperationalMetrics,
  outboxDepthOf,
  registerMetricsRoute,
  timeHubMethods,
  INBOUND_CHANNELS,
  OUTBOUND_CHANNELS,
  type InboundChannel,
  type OutboundChannel,
  type MetricsRouteOptions,
  type OperationalCallbacks,
  type OperationalMetrics,
} from './operational';
export { METRIC_NAMES, OUTCOME_METRICS, type MetricName } from './definitions';
export {
  outcomeReport,
  outcomeTrend,
  tasksBehind,
  type Figure,
  type OutcomeReport,
  type OutcomeTrend,
  type TasksBehind,
  type TrendPoint,
} from './outcomes';
export { OutcomeProjection } from './projection';
export { OutcomeQueries } from './outcome-queries';
export { parseWindow, NAMED_WINDOWS, type MetricWindow } from './window';
export { reportToCsv } from './csv';
