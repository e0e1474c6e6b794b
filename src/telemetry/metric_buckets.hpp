#pragma once

// Private to telemetry: histogram bucket boundaries, one list per kind of quantity.

#include <prometheus/histogram.h>

namespace governor::telemetry::detail {

/** Governor's own time per call: tens of microseconds when healthy, milliseconds when the ledger
 *  or a worker is backed up. */
inline const prometheus::Histogram::BucketBoundaries kOverheadSeconds = {
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};

/** Upstream answers and first tokens: milliseconds (local, cached) to minutes (long generations).
 */
inline const prometheus::Histogram::BucketBoundaries kUpstreamSeconds = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};

/** The routing decision: pure arithmetic, microseconds. */
inline const prometheus::Histogram::BucketBoundaries kDecisionSeconds = {
    0.000001, 0.0000025, 0.000005, 0.00001, 0.000025, 0.00005,
    0.0001,   0.00025,   0.0005,   0.001,   0.005};

/** Dollars of one call or task: a hundredth of a cent to tens of dollars. */
inline const prometheus::Histogram::BucketBoundaries kSpendUsd = {
    0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 50};

/** One ledger group commit: tens of microseconds (page cache) to tens of milliseconds (fsync). */
inline const prometheus::Histogram::BucketBoundaries kCommitSeconds = {
    0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001,
    0.0025,  0.005,    0.01,    0.025,  0.05,    0.1,    0.5};

}  // namespace governor::telemetry::detail
