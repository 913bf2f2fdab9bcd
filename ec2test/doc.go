// Package ec2test runs a fake Amazon EC2 endpoint for tests and demos, the
// way net/http/httptest runs an HTTP server: no AWS account, no real
// instances, and stricter than most fakes. A whole failover (detach an
// interface from one instance, wait, attach it to another, wait) can live
// in it.
//
// It speaks the EC2 Query protocol (Version 2016-11-15) for
// DetachNetworkInterface, AttachNetworkInterface, DescribeNetworkInterfaces
// and DescribeInstances, and answers the way EC2 does: text/xml bodies,
// errors as Response/Errors/Error with a RequestID, Date and
// x-amzn-requestid headers.
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
// InvalidParameterValue. In every action DryRun is answered before any
// lookup: 412 DryRunOperation, or 403 UnauthorizedOperation for a key added
// with Denied set (which is also refused every real call).
//
// # Seeding
//
// A server holds instances (each in an availability zone and subnet) and
// network interfaces, attached to instances at a network card and device
// index or available. What it starts with is a Seed: DefaultSeed unless
// WithSeed (or the older WithAttachments) gives another. The built-in seed
// holds what a failover needs: InstanceA with its primary interface and
// FailoverInterface (attachment FailoverAttachment, device index 1),
// InstanceB in the same zone with device indexes 1 and up free, InstanceC
// in another zone, and SpareInterface, available. To add your own, append
// to it:
//
//	seed := ec2test.DefaultSeed("us-east-1")
//	seed.Instances = append(seed.Instances, ec2test.Instance{InstanceID: "i-0abc0abc0abc0abc0", AvailabilityZone: "us-east-1a"})
//	seed.Attachments = append(seed.Attachments, ec2test.Attachment{
//		AttachmentID: "eni-attach-0abc0abc0abc0abc0", NetworkInterfaceID: "eni-0abc0abc0abc0abc0",
//		InstanceID: "i-0abc0abc0abc0abc0", DeviceIndex: 1})
//	srv := ec2test.NewServer(ec2test.WithSeed(seed))
//
// Fields left empty get defaults: the region's first zone, a subnet per
// zone, a VPC per region, a private IP, a MAC address, instances
// "running". AddInstance, AddNetworkInterface, AddAttachment and
// SetInstanceState change a running server; Interface,
// InterfaceByAttachment, Interfaces and Instances show its state.
//
// # What it models
//
// DetachNetworkInterface:
//
//   - a malformed ID: InvalidNetworkInterfaceAttachmentId.Malformed
//   - an unknown (or already detached) ID: InvalidAttachmentID.NotFound
//   - device index 0 on network card 0: OperationNotPermitted
//   - an attachment still attaching or detaching: IncorrectState
//   - otherwise <return>true</return>; the interface is "available" at once,
//     or after WithDetachingDuration by the server's clock (WithClock)
//
// Force is accepted and counted (InterfaceState.ForcedDetaches).
//
// AttachNetworkInterface takes NetworkInterfaceId, InstanceId, DeviceIndex
// and NetworkCardIndex (default 0) and answers a new attachmentId:
//
//   - an ID that is not eni- (or i-) and 8 or 17 hex digits:
//     InvalidNetworkInterfaceId.Malformed (InvalidInstanceID.Malformed)
//   - an unknown one: InvalidNetworkInterfaceID.NotFound
//     (InvalidInstanceID.NotFound)
//   - interface and instance in different zones: InvalidParameterCombination
//   - an interface attached anywhere: InvalidNetworkInterface.InUse
//   - a device slot taken: InvalidParameterValue ("Instance '...' already
//     has an interface attached at device index '1'.")
//   - otherwise the attachment is "attaching" for WithAttachingDuration by
//     the server's clock, then "attached" (at once by default)
//
// DescribeNetworkInterfaces answers each interface with the fields EC2
// gives (subnet, VPC, zone, description, owner, status, MAC address,
// private IP and DNS name, interface type, and the attachment's ID,
// instance, owner, device and network card index, status, attach time and
// delete-on-termination). It takes NetworkInterfaceId.N (malformed:
// InvalidNetworkInterfaceId.Malformed, well-formed but unknown:
// InvalidNetworkInterfaceID.NotFound), the filters network-interface-id,
// subnet-id, vpc-id, availability-zone, status, description,
// private-ip-address, mac-address, owner-id, interface-type,
// attachment.attachment-id, attachment.instance-id,
// attachment.device-index, attachment.network-card-index and
// attachment.status (values may use * and ?), and MaxResults (5 to 1000,
// not with NetworkInterfaceId.N: InvalidParameterCombination) with
// NextToken, so SDK, CLI and botocore paginators work.
//
// DescribeInstances answers one reservation per instance
// (reservationSet>item>instancesSet>item) with the instance's ID, state
// (code and name), zone, subnet, VPC, private IP and the interfaces
// attached, attaching or detaching (networkInterfaceSet, each with its
// attachment ID, device and network card index and status). It takes
// InstanceId.N (malformed: InvalidInstanceID.Malformed; unknown:
// InvalidInstanceID.NotFound naming every unknown ID), the filters
// instance-id, availability-zone, instance-state-name,
// instance-state-code, subnet-id, vpc-id, owner-id,
// network-interface.network-interface-id,
// network-interface.attachment.attachment-id,
// network-interface.attachment.device-index,
// network-interface.attachment.network-card-index and
// network-interface.attachment.status, and MaxResults (not with
// InstanceId.N) with NextToken.
//
// # EC2's limits
//
// Modelled, with EC2's answers:
//
//   - more than 200 filter values in one Describe call, all filters
//     together: 400 FilterLimitExceeded ("The maximum number of filter
//     values specified on a single call is 200")
//   - MaxResults outside 5 to 1000, or given with IDs: InvalidParameterValue,
//     InvalidParameterCombination
//   - X-Amz-Date more than 15 minutes from the server's clock:
//     RequestExpired
//   - one interface per device slot (network card and device index), device
//     index 0 on card 0 never detached, attachments within one zone
//   - a form body over 1 MiB: 413 RequestEntityTooLarge (EC2's own bound on
//     a Query request is not documented; this one keeps the fake's memory
//     bounded)
//
// Not modelled (a test needing one injects it with Inject and APIError):
//
//   - request rates: EC2's token buckets per account, Region and action
//     (RequestLimitExceeded only when injected with Throttle)
//   - the interfaces an instance type takes (AttachmentLimitExceeded), its
//     network cards and device indexes (any index is accepted)
//   - the instance's state for an attach or detach (a stopped or
//     terminated instance is treated as running) and IncorrectInstanceState
//   - the number of IDs in one call (EC2's guide asks for at most 1,000;
//     IDs are not counted as filter values here)
//   - account quotas (NetworkInterfaceLimitExceeded), the length of a
//     filter value or of the request, and the expiry of NextToken
//
// # Time
//
// WithClock gives the server a clock that a test moves, so attaching and
// detaching that take tens of seconds pass in microseconds. Give a client
// the same clock (enidetach's Options.Clock) so its signatures stay within
// the server's 15 minutes. See the failover example.
//
// EC2's describes are eventually consistent: right after an accepted attach
// or detach they may still show the state before it. WithDescribeLag(d)
// does the same on purpose: both Describe actions show each interface as it
// was d ago, while the attach and detach act on the truth, so a test proves
// that a client's waits tolerate it.
//
// # Faults and records
//
// Inject makes the next N requests meet a Fault: Throttle, InternalError,
// Unavailable, APIError, Delay, DropConnection, TruncatedBody, ProxyHTML502,
// SkewedClock, LargeBody, each optionally WithHeader (x-amz-retry-after, say).
// Requests returns every request received, with its action, parameters,
// access key, time and answer.
//
// # Reset
//
// Reset restores the state the server started with: the seed, the keys of
// the options (undoing AddKey and ExpireKey), no pending faults, no
// records. Other processes do the same with POST /_ec2test/reset and see
// the state as JSON with GET /_ec2test/state (ControlPrefix); these need no
// signature.
//
// # Serving other processes
//
// NewServer listens on a random 127.0.0.1 port; NewServerAt on an address
// of your choice, loopback only unless WithAnyAddress is given (for a test
// container, say): then anyone who can reach it can use the keys (Keys)
// and reset it. The command examples/local -serve runs one and prints the
// endpoint, every key with what it may do, the instances and interfaces on
// one JSON line.
//
// # Instance metadata
//
// StartIMDS starts an instance metadata service (IMDSv2) for one instance
// of the server, on its own port: what an agent on that instance reads to
// learn its ID, zone and Region ("move it to me"). It hands out tokens
// (PUT /latest/api/token) and requires one for instance-id,
// placement/availability-zone, placement/region and the instance identity
// document, as an instance with HttpTokens=required does (see IMDS). Point
// a client at it with AWS_EC2_METADATA_SERVICE_ENDPOINT=URL;
// examples/local -serve starts one per instance and prints it as the
// instance's imdsEndpoint.
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
