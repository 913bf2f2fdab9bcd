// Package sdkcompare holds the comparisons of enidetach with the official
// AWS SDK for Go v2: request bytes and signatures (compare_test.go),
// benchmarks run side by side (bench_test.go) and the binary-size and
// process-cost script (size.sh). It is its own module so that the SDK's
// service/ec2 and config packages never enter enidetach's go.mod.
package sdkcompare
