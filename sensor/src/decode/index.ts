// decode/: reading ppm records in place. Public surface of the stage.
export { EventView, PPM_HEADER_LEN, DecodeError, asciiOrUtf8, decodeErrorCounts } from './event-view.js';
export {
  Formatter, CompiledFormat, ParamRenderer, FormatError, DEFAULT_FORMAT, eventTypeName, fdLabel,
  type RenderOptions,
} from './format.js';
export { renderFlags, flagTableFor } from './flag-tables.js';
export { errnoName, signalName, ppmScName } from './names.js';
export { sockaddrToString, socktupleToString, ipv4ToString, ipv6ToString } from './net.js';
