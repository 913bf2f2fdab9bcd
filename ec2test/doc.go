// Package ec2test runs a fake Amazon EC2 endpoint on 127.0.0.1 for tests and
// demos, the way net/http/httptest runs an HTTP server: no AWS account, no
// real instances, and stricter than most fakes.
//
// It speaks the EC2 Query protocol (Version 2016-11-15) for
// DetachNetworkInterface and DescribeNetworkInterfaces, and answers the way
// EC2 does: text/xml bodies, errors as Response/Errors/Error with a
// RequestID, Date and x-amzn-requestid headers.
//
// # What it checks
//
// Every request's SigV4 signature is verified by signing it again with the
// AWS SDK's signer over the headers the client signed, so the Go SDK, the
// AWS CLI, botocore and enidetach all pass, and a wrong secret does not:
//
//   - no Authorization header, or an unknown access key: 401 AuthFailure
//   - a signature that does not verify: 403 SignatureDoesNotMatch
//   - X-Amz-Date more than 15 minutes from the server's clock: 400 RequestExpired
//   - a key made expired with ExpireKey: 400 RequestExpired
//
// Then the form: a missing or unknown Action is InvalidAction, a missing
// Version MissingParameter, another Version NoSuchVersion, an unknown
// parameter UnknownParameter, a boolean other than true/false
// InvalidParameterValue.
//
// # What it models
//
// Instances with network interfaces at device indexes, seeded by NewServer
// (see there) or WithAttachments. DetachNetworkInterface:
//
//   - DryRun is answered before any lookup: 412 DryRunOperation, or 403
//     UnauthorizedOperation for a key added with Denied set
//   - a malformed ID: InvalidNetworkInterfaceAttachmentId.Malformed
//   - an unknown (or already detached) ID: InvalidAttachmentID.NotFound
//   - device index 0 on network card 0: OperationNotPermitted
//   - an attachment still detaching: IncorrectState
//   - otherwise <return>true</return>; the interface is "available" at once,
//     or after WithDetachingDuration by the server's clock (WithClock)
//
// Force is accepted and counted (InterfaceState.ForcedDetaches).
//
// DescribeNetworkInterfaces answers each interface with the fields EC2
// gives (subnet, VPC, zone, description, owner, status, MAC address,
// private IP and DNS name, interface type, and the attachment's ID,
// instance, owner, device and network card index, status, attach time and
// delete-on-termination). It takes NetworkInterfaceId.N (an ID that is not
// eni- and 8 or 17 hex digits: InvalidNetworkInterfaceId.Malformed, a
// well-formed unknown one: InvalidNetworkInterfaceID.NotFound), the filters
// network-interface-id, subnet-id, vpc-id, availability-zone, status,
// description, private-ip-address, mac-address, owner-id, interface-type,
// attachment.attachment-id, attachment.instance-id,
// attachment.device-index, attachment.network-card-index and
// attachment.status (values may use * and ?), and MaxResults (5 to 1000,
// not with NetworkInterfaceId.N) with NextToken.
//
// # Faults and records
//
// Inject makes the next N requests meet a Fault: Throttle, InternalError,
// Unavailable, APIError, Delay, DropConnection, TruncatedBody, ProxyHTML502,
// SkewedClock, LargeBody, each optionally WithHeader (x-amz-retry-after, say).
// Requests returns every request received, with its action, parameters,
// access key, time and answer.
//
// # Use
//
//	srv := ec2test.NewServer()
//	defer srv.Close()
//	client, err := enidetach.New(enidetach.Options{
//		Region:       srv.Region(),
//		BaseEndpoint: srv.URL,
//		Credentials:  srv.Credentials(),
//	})
//
// With the AWS CLI: set AWS_ACCESS_KEY_ID=DefaultAccessKeyID,
// AWS_SECRET_ACCESS_KEY=DefaultSecretAccessKey and run
// aws --endpoint-url URL --region REGION ec2 detach-network-interface ...
package ec2test
