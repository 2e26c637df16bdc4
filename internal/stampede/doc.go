// Package stampede holds the booking core's integration tests: on-sale stampedes, the
// seat invariant, idempotent retries and injected faults, all against the real local
// DynamoDB emulator (moto) through internal/localtest. It has no code of its own.
package stampede
