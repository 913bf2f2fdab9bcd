package enidetach_test

// This file names every exported identifier of the root package and of
// ec2test (types, functions, methods, struct fields, sentinels, constants),
// as `go doc -all` lists them, so that moving code beneath the root cannot
// drop or rename one: the package stops compiling first. Names are added
// here when they are added to the API, never removed.

import (
	"github.com/ec2lite/enidetach"
	"github.com/ec2lite/enidetach/ec2test"
)

// The root package's exported names.
var (
	_ = enidetach.Version
	_ = enidetach.New
	_ = enidetach.NewFromConfig
	_ = enidetach.RegionFromInstanceMetadata
	_ = enidetach.ThisInstance
	_ = enidetach.DefaultInstanceMetadataTimeout
	_ enidetach.InstanceIdentity
	_ = enidetach.InstanceIdentity{}.InstanceID
	_ = enidetach.InstanceIdentity{}.AvailabilityZone
	_ = enidetach.InstanceIdentity{}.Region
	_ enidetach.InstanceMetadataError
	_ = enidetach.InstanceMetadataError{}.Endpoint
	_ = enidetach.InstanceMetadataError{}.StatusCode
	_ = enidetach.InstanceMetadataError{}.Reason
	_ = enidetach.InstanceMetadataError{}.Err
	_ = (*enidetach.InstanceMetadataError).Error
	_ = (*enidetach.InstanceMetadataError).Unwrap
	_ = enidetach.ErrDryRunOperation
	_ = enidetach.ErrUnauthorizedOperation
	_ = enidetach.ErrAttachmentNotFound
	_ = enidetach.ErrIncorrectState
	_ = enidetach.ErrRequestLimitExceeded
	_ = enidetach.ErrInterfaceInUse
	_ = enidetach.ErrDeviceIndexInUse
	_ = enidetach.ErrZoneMismatch
	_ = enidetach.EventAttempt
	_ = enidetach.EventPoll
	_ = enidetach.OutcomeOK
	_ = enidetach.OutcomeThrottled
	_ = enidetach.OutcomeError
	_ = enidetach.OutcomeDone
	_ = enidetach.OutcomePending
	_ enidetach.APIError
	_ = enidetach.APIError{}.Code
	_ = enidetach.APIError{}.Message
	_ = enidetach.APIError{}.RequestID
	_ = enidetach.APIError{}.StatusCode
	_ enidetach.AmbiguousAttachmentError
	_ = enidetach.AmbiguousAttachmentError{}.Input
	_ = enidetach.AmbiguousAttachmentError{}.AttachmentID
	_ = enidetach.AmbiguousAttachmentError{}.Interfaces
	_ = enidetach.AmbiguousAttachmentError{}.RequestID
	_ enidetach.AttachNetworkInterfaceInput
	_ = enidetach.AttachNetworkInterfaceInput{}.NetworkInterfaceID
	_ = enidetach.AttachNetworkInterfaceInput{}.InstanceID
	_ = enidetach.AttachNetworkInterfaceInput{}.DeviceIndex
	_ = enidetach.AttachNetworkInterfaceInput{}.NetworkCardIndex
	_ = enidetach.AttachNetworkInterfaceInput{}.DryRun
	_ enidetach.AttachNetworkInterfaceOutput
	_ = enidetach.AttachNetworkInterfaceOutput{}.AttachmentID
	_ = enidetach.AttachNetworkInterfaceOutput{}.NetworkCardIndex
	_ = enidetach.AttachNetworkInterfaceOutput{}.RequestID
	_ enidetach.Client
	_ enidetach.CredentialsError
	_ = enidetach.CredentialsError{}.Provider
	_ = enidetach.CredentialsError{}.Err
	_ enidetach.DetachNetworkInterfaceInput
	_ = enidetach.DetachNetworkInterfaceInput{}.AttachmentID
	_ = enidetach.DetachNetworkInterfaceInput{}.DryRun
	_ = enidetach.DetachNetworkInterfaceInput{}.Force
	_ enidetach.DetachNetworkInterfaceOutput
	_ = enidetach.DetachNetworkInterfaceOutput{}.Return
	_ = enidetach.DetachNetworkInterfaceOutput{}.RequestID
	_ enidetach.Event
	_ = enidetach.Event{}.Kind
	_ = enidetach.Event{}.Action
	_ = enidetach.Event{}.Outcome
	_ = enidetach.Event{}.Attempt
	_ = enidetach.Event{}.Retry
	_ = enidetach.Event{}.StatusCode
	_ = enidetach.Event{}.Duration
	_ enidetach.EventKind
	_ enidetach.HTTPClient
	_ = enidetach.HTTPClient.Do
	_ enidetach.InterfaceState
	_ = enidetach.InterfaceState{}.NetworkInterfaceID
	_ = enidetach.InterfaceState{}.Status
	_ = enidetach.InterfaceState{}.AttachmentID
	_ = enidetach.InterfaceState{}.AttachmentStatus
	_ = enidetach.InterfaceState{}.InstanceID
	_ = enidetach.InterfaceState{}.DeviceIndex
	_ = enidetach.InterfaceState{}.NetworkCardIndex
	_ = enidetach.InterfaceState{}.AvailabilityZone
	_ enidetach.LookupAttachmentInput
	_ = enidetach.LookupAttachmentInput{}.NetworkInterfaceID
	_ = enidetach.LookupAttachmentInput{}.InstanceID
	_ = enidetach.LookupAttachmentInput{}.DeviceIndex
	_ = enidetach.LookupAttachmentInput{}.NetworkCardIndex
	_ enidetach.MoveIncompleteError
	_ = enidetach.MoveIncompleteError{}.Step
	_ = enidetach.MoveIncompleteError{}.Output
	_ = enidetach.MoveIncompleteError{}.Err
	_ enidetach.MoveNetworkInterfaceInput
	_ = enidetach.MoveNetworkInterfaceInput{}.NetworkInterfaceID
	_ = enidetach.MoveNetworkInterfaceInput{}.AttachmentID
	_ = enidetach.MoveNetworkInterfaceInput{}.FromInstanceID
	_ = enidetach.MoveNetworkInterfaceInput{}.FromDeviceIndex
	_ = enidetach.MoveNetworkInterfaceInput{}.FromNetworkCardIndex
	_ = enidetach.MoveNetworkInterfaceInput{}.ToInstanceID
	_ = enidetach.MoveNetworkInterfaceInput{}.ToDeviceIndex
	_ = enidetach.MoveNetworkInterfaceInput{}.ToNetworkCardIndex
	_ = enidetach.MoveNetworkInterfaceInput{}.Force
	_ = enidetach.MoveNetworkInterfaceInput{}.DryRun
	_ enidetach.MoveNetworkInterfaceOutput
	_ = enidetach.MoveNetworkInterfaceOutput{}.NetworkInterfaceID
	_ = enidetach.MoveNetworkInterfaceOutput{}.Start
	_ = enidetach.MoveNetworkInterfaceOutput{}.AlreadyAtTarget
	_ = enidetach.MoveNetworkInterfaceOutput{}.Detach
	_ = enidetach.MoveNetworkInterfaceOutput{}.Attach
	_ = enidetach.MoveNetworkInterfaceOutput{}.State
	_ = enidetach.MoveNetworkInterfaceOutput{}.LookupElapsed
	_ = enidetach.MoveNetworkInterfaceOutput{}.Elapsed
	_ enidetach.MoveRefusedError
	_ = enidetach.MoveRefusedError{}.Reason
	_ = enidetach.MoveRefusedError{}.Interface
	_ = enidetach.MoveRefusedError{}.Detail
	_ = enidetach.MoveRefusedError{}.Err
	_ enidetach.MoveStep
	_ = enidetach.MoveStep{}.AttachmentID
	_ = enidetach.MoveStep{}.InstanceID
	_ = enidetach.MoveStep{}.DeviceIndex
	_ = enidetach.MoveStep{}.NetworkCardIndex
	_ = enidetach.MoveStep{}.Sent
	_ = enidetach.MoveStep{}.RequestID
	_ = enidetach.MoveStep{}.Status
	_ = enidetach.MoveStep{}.Polls
	_ = enidetach.MoveStep{}.CallElapsed
	_ = enidetach.MoveStep{}.WaitElapsed
	_ enidetach.NoAttachmentError
	_ = enidetach.NoAttachmentError{}.Input
	_ = enidetach.NoAttachmentError{}.Interface
	_ = enidetach.NoAttachmentError{}.RequestID
	_ enidetach.Options
	_ = enidetach.Options{}.Region
	_ = enidetach.Options{}.Credentials
	_ = enidetach.Options{}.Profile
	_ = enidetach.Options{}.BaseEndpoint
	_ = enidetach.Options{}.UseFIPSEndpoint
	_ = enidetach.Options{}.UseDualStackEndpoint
	_ = enidetach.Options{}.AllowInsecureHTTP
	_ = enidetach.Options{}.HTTPClient
	_ = enidetach.Options{}.Retryer
	_ = enidetach.Options{}.RetryMode
	_ = enidetach.Options{}.MaxAttempts
	_ = enidetach.Options{}.MaxBackoff
	_ = enidetach.Options{}.AttemptTimeout
	_ = enidetach.Options{}.Logger
	_ = enidetach.Options{}.Clock
	_ = enidetach.Options{}.OnEvent
	_ = enidetach.Options{}.AppID
	_ enidetach.Outcome
	_ enidetach.PageLimitError
	_ = enidetach.PageLimitError{}.Pages
	_ = enidetach.PageLimitError{}.RequestID
	_ = enidetach.PageLimitError{}.RepeatedToken
	_ enidetach.ResponseError
	_ = enidetach.ResponseError{}.StatusCode
	_ = enidetach.ResponseError{}.RequestID
	_ = enidetach.ResponseError{}.Snippet
	_ = enidetach.ResponseError{}.Err
	_ enidetach.RetryError
	_ = enidetach.RetryError{}.Attempts
	_ = enidetach.RetryError{}.Reason
	_ = enidetach.RetryError{}.Err
	_ enidetach.TransportError
	_ = enidetach.TransportError{}.Err
	_ enidetach.ValidationError
	_ = enidetach.ValidationError{}.Field
	_ = enidetach.ValidationError{}.Reason
	_ enidetach.WaitOptions
	_ = enidetach.WaitOptions{}.NetworkInterfaceID
	_ = enidetach.WaitOptions{}.MinDelay
	_ = enidetach.WaitOptions{}.MaxDelay
	_ = enidetach.WaitOptions{}.MaxWait
	_ = enidetach.WaitOptions{}.Idempotent
	_ = enidetach.WaitOptions{}.OnPoll
	_ = enidetach.WaitOptions{}.SentAt
	_ enidetach.WaitResult
	_ = enidetach.WaitResult{}.State
	_ = enidetach.WaitResult{}.Detached
	_ = enidetach.WaitResult{}.Attached
	_ = enidetach.WaitResult{}.AlreadyDetached
	_ = enidetach.WaitResult{}.Detach
	_ = enidetach.WaitResult{}.Attach
	_ = enidetach.WaitResult{}.DetachError
	_ = enidetach.WaitResult{}.Polls
	_ = enidetach.WaitResult{}.FailedPolls
	_ = enidetach.WaitResult{}.LastPollError
	_ = enidetach.WaitResult{}.Elapsed
	_ enidetach.WaitTimeoutError
	_ = enidetach.WaitTimeoutError{}.Last
	_ = enidetach.WaitTimeoutError{}.Err
	_ = enidetach.WaitTimeoutError{}.Contradiction
	_ enidetach.WrongInterfaceError
	_ = enidetach.WrongInterfaceError{}.AttachmentID
	_ = enidetach.WrongInterfaceError{}.NetworkInterfaceID
	_ = enidetach.WrongInterfaceError{}.Found
	_ = (*enidetach.APIError).Error
	_ = (*enidetach.APIError).ErrorCode
	_ = (*enidetach.APIError).ErrorFault
	_ = (*enidetach.APIError).ErrorMessage
	_ = (*enidetach.APIError).HTTPStatusCode
	_ = (*enidetach.APIError).Is
	_ = (*enidetach.AmbiguousAttachmentError).Error
	_ = (*enidetach.Client).AttachNetworkInterface
	_ = (*enidetach.Client).Call
	_ = (*enidetach.Client).DetachAndWait
	_ = (*enidetach.Client).AttachAndWait
	_ = (*enidetach.Client).DetachNetworkInterface
	_ = (*enidetach.Client).Endpoint
	_ = (*enidetach.Client).Format
	_ = (*enidetach.Client).LookupAttachment
	_ = (*enidetach.Client).MoveNetworkInterface
	_ = (*enidetach.Client).Region
	_ = (*enidetach.Client).WaitUntilAttached
	_ = (*enidetach.Client).WaitUntilDetached
	_ = (*enidetach.CredentialsError).Error
	_ = (*enidetach.CredentialsError).Unwrap
	_ = (*enidetach.MoveIncompleteError).Error
	_ = (*enidetach.MoveIncompleteError).Unwrap
	_ = (*enidetach.MoveRefusedError).Error
	_ = (*enidetach.MoveRefusedError).Is
	_ = (*enidetach.MoveRefusedError).Unwrap
	_ = (*enidetach.NoAttachmentError).Error
	_ = (*enidetach.PageLimitError).Error
	_ = (*enidetach.ResponseError).Error
	_ = (*enidetach.ResponseError).HTTPStatusCode
	_ = (*enidetach.ResponseError).Unwrap
	_ = (*enidetach.RetryError).Error
	_ = (*enidetach.RetryError).Unwrap
	_ = (*enidetach.TransportError).CanceledError
	_ = (*enidetach.TransportError).ConnectionError
	_ = (*enidetach.TransportError).Error
	_ = (*enidetach.TransportError).Unwrap
	_ = (*enidetach.ValidationError).Error
	_ = (*enidetach.WaitTimeoutError).Error
	_ = (*enidetach.WaitTimeoutError).Unwrap
	_ = (*enidetach.WrongInterfaceError).Error
	_ = enidetach.EventKind.String
	_ = enidetach.Options.Format
	_ = enidetach.Options.GoString
	_ = enidetach.Options.String
)

// ec2test's exported names.
var (
	_ = ec2test.Throttle
	_ = ec2test.InternalError
	_ = ec2test.Unavailable
	_ = ec2test.APIError
	_ = ec2test.Delay
	_ = ec2test.DropConnection
	_ = ec2test.TruncatedBody
	_ = ec2test.ProxyHTML502
	_ = ec2test.SkewedClock
	_ = ec2test.LargeBody
	_ = ec2test.APIVersion
	_ = ec2test.DefaultAccessKeyID
	_ = ec2test.DefaultSecretAccessKey
	_ = ec2test.WithRegion
	_ = ec2test.WithKeys
	_ = ec2test.WithClock
	_ = ec2test.WithAttachments
	_ = ec2test.WithSeed
	_ = ec2test.WithAnyAddress
	_ = ec2test.WithAttachingDuration
	_ = ec2test.WithDetachingDuration
	_ = ec2test.WithDescribeLag
	_ = ec2test.NewServer
	_ = ec2test.NewServerAt
	_ = ec2test.ControlPrefix
	_ = ec2test.DefaultOwnerID
	_ = ec2test.InstanceA
	_ = ec2test.InstanceB
	_ = ec2test.InstanceC
	_ = ec2test.FailoverInterface
	_ = ec2test.FailoverAttachment
	_ = ec2test.SpareInterface
	_ = ec2test.DefaultSeed
	_ ec2test.Attachment
	_ = ec2test.Attachment{}.AttachmentID
	_ = ec2test.Attachment{}.NetworkInterfaceID
	_ = ec2test.Attachment{}.InstanceID
	_ = ec2test.Attachment{}.DeviceIndex
	_ = ec2test.Attachment{}.NetworkCardIndex
	_ = ec2test.Attachment{}.DeleteOnTermination
	_ = ec2test.Attachment{}.AttachTime
	_ ec2test.AttachmentState
	_ = ec2test.AttachmentState{}.Attachment
	_ = ec2test.AttachmentState{}.Status
	_ ec2test.Fault
	_ ec2test.Instance
	_ = ec2test.Instance{}.InstanceID
	_ = ec2test.Instance{}.AvailabilityZone
	_ = ec2test.Instance{}.SubnetID
	_ = ec2test.Instance{}.VpcID
	_ = ec2test.Instance{}.OwnerID
	_ = ec2test.Instance{}.State
	_ ec2test.InstanceState
	_ = ec2test.InstanceState{}.Instance
	_ = ec2test.InstanceState{}.Attachments
	_ ec2test.InterfaceState
	_ = ec2test.InterfaceState{}.NetworkInterface
	_ = ec2test.InterfaceState{}.Status
	_ = ec2test.InterfaceState{}.Attachment
	_ = ec2test.InterfaceState{}.Detaches
	_ = ec2test.InterfaceState{}.ForcedDetaches
	_ = ec2test.InterfaceState{}.Attaches
	_ ec2test.Key
	_ = ec2test.Key{}.AccessKeyID
	_ = ec2test.Key{}.SecretAccessKey
	_ = ec2test.Key{}.SessionToken
	_ = ec2test.Key{}.Denied
	_ ec2test.NetworkInterface
	_ = ec2test.NetworkInterface{}.NetworkInterfaceID
	_ = ec2test.NetworkInterface{}.SubnetID
	_ = ec2test.NetworkInterface{}.VpcID
	_ = ec2test.NetworkInterface{}.AvailabilityZone
	_ = ec2test.NetworkInterface{}.PrivateIPAddress
	_ = ec2test.NetworkInterface{}.MACAddress
	_ = ec2test.NetworkInterface{}.Description
	_ = ec2test.NetworkInterface{}.InterfaceType
	_ = ec2test.NetworkInterface{}.OwnerID
	_ = ec2test.NetworkInterface{}.RequesterManaged
	_ ec2test.Option
	_ ec2test.Request
	_ = ec2test.Request{}.Time
	_ = ec2test.Request{}.Action
	_ = ec2test.Request{}.Params
	_ = ec2test.Request{}.AccessKeyID
	_ = ec2test.Request{}.UserAgent
	_ = ec2test.Request{}.StatusCode
	_ = ec2test.Request{}.ErrorCode
	_ = ec2test.Request{}.Fault
	_ ec2test.Seed
	_ = ec2test.Seed{}.Instances
	_ = ec2test.Seed{}.NetworkInterfaces
	_ = ec2test.Seed{}.Attachments
	_ ec2test.Server
	_ = ec2test.Server{}.URL
	_ = (*ec2test.Server).AddAttachment
	_ = (*ec2test.Server).AddInstance
	_ = (*ec2test.Server).AddKey
	_ = (*ec2test.Server).AddNetworkInterface
	_ = (*ec2test.Server).Close
	_ = (*ec2test.Server).CloseClientConnections
	_ = (*ec2test.Server).Credentials
	_ = (*ec2test.Server).ExpireKey
	_ = (*ec2test.Server).Format
	_ = (*ec2test.Server).Inject
	_ = (*ec2test.Server).Instances
	_ = (*ec2test.Server).Interface
	_ = (*ec2test.Server).InterfaceByAttachment
	_ = (*ec2test.Server).Interfaces
	_ = (*ec2test.Server).Keys
	_ = (*ec2test.Server).Region
	_ = (*ec2test.Server).Requests
	_ = (*ec2test.Server).Reset
	_ = (*ec2test.Server).ResetRequests
	_ = (*ec2test.Server).SetInstanceState
	_ = ec2test.Fault.WithHeader
	_ = ec2test.Key.Format
	_ ec2test.IMDS
	_ = ec2test.IMDS{}.URL
	_ = ec2test.IMDS{}.InstanceID
	_ = (*ec2test.IMDS).Close
	_ = (*ec2test.IMDS).Format
	_ = (*ec2test.Server).StartIMDS
)
