// Package enidetach calls the Amazon EC2 action DetachNetworkInterface over
// the EC2 Query protocol without the full AWS SDK: requests are signed by the
// SDK's own SigV4 signer, credentials come from any aws.CredentialsProvider,
// and answers decode into typed results and typed errors.
//
// # Calling
//
//	client, err := enidetach.New(enidetach.Options{Region: "eu-west-1"})
//	if err != nil { ... }
//	out, err := client.DetachNetworkInterface(ctx, &enidetach.DetachNetworkInterfaceInput{
//		AttachmentID: "eni-attach-0123456789abcdef0",
//	})
//
// A Client is safe for concurrent use; share one. Client.Call sends any other
// EC2 Query action with the same signing, retries and errors.
//
// # Errors
//
// Every error is one of these types, inspected with errors.As and errors.Is:
//
//   - *APIError: the service's answer, with Code, Message, RequestID and
//     StatusCode. It implements smithy.APIError. The sentinels
//     ErrDryRunOperation, ErrUnauthorizedOperation, ErrAttachmentNotFound and
//     ErrRequestLimitExceeded match it by code.
//   - *ValidationError: input or options refused before anything was sent.
//   - *TransportError: no response (connection, timeout, cancelled context;
//     errors.Is(err, context.DeadlineExceeded) works through it).
//   - *ResponseError: a response that is not an EC2 answer, such as an HTML
//     page from a proxy, with its status and the start of its body.
//   - *CredentialsError: credentials could not be retrieved.
//   - *RetryError: the call stopped after several attempts; it wraps the last
//     attempt's error, so errors.As still finds the *APIError inside.
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
// Calls are retried as the AWS SDK's standard mode does: up to
// Options.MaxAttempts attempts (3), full-jitter exponential backoff (50 ms
// base, 1 s after throttling, at most Options.MaxBackoff), x-amz-retry-after
// honoured, and a client-wide retry quota so that an outage does not turn
// into a retry storm. 5xx, 429, throttling codes and broken connections are
// retried; a cancelled or expired context never is. A request refused for a
// wrong clock is signed again once at the server's time, and expired
// temporary credentials are refreshed once.
//
// A detach whose response was lost is retried, and the retry may then answer
// InvalidAttachmentID.NotFound (or IncorrectState) although the interface was
// detached: a *RetryError with Attempts > 1 around ErrAttachmentNotFound
// means exactly that.
//
// # Configuration
//
// New reads what Options leave unset where the AWS SDK reads it, without
// the SDK's config package, and does no network I/O.
//
// Region: Options.Region, AWS_REGION, AWS_DEFAULT_REGION, the profile's
// region (RegionFromInstanceMetadata asks IMDS on an instance).
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
// else https://ec2.{region}.{dnsSuffix} for the region's partition, with
// the FIPS and dual-stack variants.
package enidetach
