// decode/: reading ppm records in place. Public surface of the stage.
export { EventView, PPM_HEADER_LEN, DecodeError, asciiOrUtf8 } from './event-view.js';
