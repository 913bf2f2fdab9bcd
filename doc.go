// Package enidetach detaches, attaches and moves Amazon EC2 network
// interfaces, waits until EC2 shows each change done, and sends any other
// EC2 Query action, without the full AWS SDK: requests are signed by the
// SDK's own SigV4 signer, credentials and settings come from where the AWS
// CLI finds them (or any aws.CredentialsProvider), and answers decode into
// typed results and typed errors.
//
// # What it does
//
//   - MoveNetworkInterface: the failover. Detach from the source, wait until
//     available, attach at the target, wait until attached; refused before
//     anything is detached when it can be known to fail, and safe to run
//     again from wherever a crash left the interface.
//   - DetachNetworkInterface and AttachNetworkInterface: one call each; a
//     lost answer to an attach is resolved by looking.
//   - DetachAndWait, WaitUntilDetached and WaitUntilAttached: poll
//     DescribeNetworkInterfaces on a schedule that notices a change within
//     about two seconds; the waits of one Client share their polls.
//   - LookupAttachment: the attachment of an interface, or at an instance's
//     device index.
//   - ThisInstance: this instance's ID, zone and Region from IMDSv2, for
//     "move it to me".
//   - Call: any other EC2 action, with the same signing, retries and errors.
//
// The guides are in the repository's docs/ directory: failover.md,
// fleets.md, errors.md, configuration.md, iam.md, other-actions.md,
// metrics.md and ec2test.md (the fake EC2 endpoint of package ec2test).
//
// # Calling
//
//	client, err := enidetach.New(enidetach.Options{Region: "eu-west-1"})
//	if err != nil { ... }
//	out, err := client.MoveNetworkInterface(ctx, &enidetach.MoveNetworkInterfaceInput{
//		NetworkInterfaceID: "eni-0123456789abcdef0",
//		FromInstanceID:     "i-0123456789abcdef0",
//		FromDeviceIndex:    1,
//		ToInstanceID:       "i-0123456789abcdef1",
//		ToDeviceIndex:      1,
//	})
//
// A Client is safe for concurrent use; share one: its connections, retry
// quota, pacing and polls are per client.
//
// # Errors
//
// Every error a call returns is a *smithy.OperationError naming the action
// ("operation error EC2: DetachNetworkInterface, ..."), as the SDK's are,
// but for a wait that runs out (a *WaitTimeoutError); inside it is one of
// these types, inspected with errors.As and errors.Is:
//
//   - *APIError: the service's answer, with Code, Message, RequestID and
//     StatusCode. It implements smithy.APIError. The sentinels
//     ErrDryRunOperation, ErrUnauthorizedOperation, ErrAttachmentNotFound,
//     ErrIncorrectState and ErrRequestLimitExceeded match it by code.
//   - *ValidationError: input or options refused before anything was sent.
//   - *TransportError: no complete answer (connection, a body cut off or
//     timed out, timeout, cancelled context; errors.Is(err,
//     context.DeadlineExceeded) works through it).
//   - *ResponseError: a response that is not an EC2 answer, such as an HTML
//     page from a proxy, with its status and the start of its body.
//   - *CredentialsError: credentials could not be retrieved; Provider names
//     the source as the default chain resolved it.
//   - *RetryError: retrying stopped; it wraps the last attempt's error, so
//     errors.As still finds the *APIError inside, and the typed cause
//     (*retry.MaxAttemptsError, ratelimit.QuotaExceededError, the
//     context's error).
//   - *WaitTimeoutError: a wait ended before the interface was detached
//     (or attached); Last holds the last state seen.
//   - *NoAttachmentError: LookupAttachment found no attachment where it
//     looked.
//   - *AmbiguousAttachmentError: LookupAttachment found more than one, and
//     chose none.
//   - *WrongInterfaceError: a wait saw its attachment on another interface
//     than WaitOptions.NetworkInterfaceID.
//   - *PageLimitError: DescribeNetworkInterfaces never stopped giving a
//     next page.
//
// MoveNetworkInterface, which makes several calls, returns their errors
// as they are (each naming its action) until it sends a detach or an
// attach, and then a *MoveIncompleteError (the step, the output so far and
// the step's error); a move refused by its checks before anything changed
// is a *MoveRefusedError, bad input a bare *ValidationError.
//
// The dry-run idiom:
//
//	_, err := client.DetachNetworkInterface(ctx, &enidetach.DetachNetworkInterfaceInput{
//		AttachmentID: id, DryRun: true,
//	})
//	switch {
//	case errors.Is(err, enidetach.ErrDryRunOperation):
//		// permitted: the real call would be allowed
//	case errors.Is(err, enidetach.ErrUnauthorizedOperation):
//		// not permitted
//	}
//
// Branching on other codes:
//
//	var ae *enidetach.APIError
//	if errors.As(err, &ae) && ae.Code == "OperationNotPermitted" { ... }
//
// # Retries
//
// The retry policy is the SDK's own aws/retry package: Options.Retryer, or
// retry.NewStandard (retry.NewAdaptiveMode with Options.RetryMode adaptive)
// built from Options.MaxAttempts (3) and Options.MaxBackoff (20 s). The
// client drives it as the SDK's retry middleware does: full-jitter backoff
// (50 ms base, 1 s after throttling), a client-wide retry quota so that an
// outage does not turn into a retry storm, and in adaptive mode a
// client-side rate limit once throttled. 5xx, throttling codes and requests
// that failed on the way are retried; a cancelled or expired context never
// is. Around it, as the SDK's other middleware: x-amz-retry-after is
// honoured, a request refused for a wrong clock is signed again once at the
// server's time, and expired temporary credentials are refreshed once.
//
// A lost response (a 200 cut off) is retried for any action, as the SDK
// retries it, and the retry may meet the first attempt's effect: a detach
// retried so answers IncorrectState while the interface is still detaching
// and InvalidAttachmentID.NotFound once it is gone, although the interface
// was detached. A *RetryError with Attempts > 1 around ErrIncorrectState or
// ErrAttachmentNotFound means exactly that. For other actions sent with
// Call, see Call.
//
// AttachNetworkInterface is typed the same way. Its sentinels
// ErrInterfaceInUse, ErrDeviceIndexInUse and ErrZoneMismatch tell the
// interface in use elsewhere, the device slot taken and the zones that
// differ apart. An attach whose response was lost is retried, and the
// retry's InvalidNetworkInterface.InUse is resolved by looking: found
// attached where it was asked, by an attachment made since the attach was
// sent, the attach succeeded; anything else stays the InUse error.
//
// # Configuration
//
// New reads what Options leave unset where the AWS SDK reads it, without
// the SDK's config package, and does no network I/O.
//
// Region: Options.Region, AWS_REGION, AWS_DEFAULT_REGION, the profile's
// region (RegionFromInstanceMetadata asks IMDS on an instance).
//
// This instance: ThisInstance reads its ID, zone and Region from the
// instance metadata service (IMDSv2), for "move it to me"; off EC2 it
// fails with an *InstanceMetadataError within the context's deadline, or
// DefaultInstanceMetadataTimeout without one.
//
// Credentials, when Options.Credentials is nil, in the SDK's order:
// Options.Profile when set; AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
// (with AWS_SESSION_TOKEN); web identity (AWS_WEB_IDENTITY_TOKEN_FILE with
// AWS_ROLE_ARN); the shared config and credentials files (profile from
// AWS_PROFILE, AWS_DEFAULT_PROFILE or "default": role_arn with
// source_profile or credential_source, static keys,
// web_identity_token_file, credential_process); container credentials
// (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI); the instance role
// through IMDSv2. Roles are assumed with STS calls sent by this package's
// own Query client. They are fetched on the first call, cached, and
// refreshed five minutes before they expire.
//
// Endpoint: Options.BaseEndpoint, AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL,
// the profile's services section and endpoint_url, else
// https://ec2.{region}.{dnsSuffix} for the region's partition, with the
// FIPS and dual-stack variants (options, AWS_USE_FIPS_ENDPOINT and
// AWS_USE_DUALSTACK_ENDPOINT, the profile's use_fips_endpoint and
// use_dualstack_endpoint). Retries: AWS_MAX_ATTEMPTS and AWS_RETRY_MODE, the
// profile's max_attempts and retry_mode. CA bundle: AWS_CA_BUNDLE, the
// profile's ca_bundle. Everywhere the option wins over the environment, and
// the environment over the profile, as in the SDK.
//
// NewFromConfig takes all of this from an SDK aws.Config instead, as
// ec2.NewFromConfig does, without importing the SDK's config package.
package enidetach
