/**
 * The few assertion helpers the tests use, written once.
 * @module
 */
export { deepStrictEqual as assertEquals, match as assertMatch, ok as assert, rejects as assertRejects, throws as assertThrows } from "node:assert/strict";
