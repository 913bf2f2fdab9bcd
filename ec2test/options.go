package ec2test

import (
	"time"
)

// Option configures a Server.
type Option func(*Server)

// WithRegion sets the region the server signs for and reports (default
// us-east-1).
func WithRegion(region string) Option { return func(s *Server) { s.region = region } }

// WithKeys adds access keys besides the default one.
func WithKeys(keys ...Key) Option {
	return func(s *Server) {
		for _, k := range keys {
			s.keys[k.AccessKeyID] = k
		}
	}
}

// WithClock sets the server's clock, used for X-Amz-Date checks, Date
// headers and the detaching delay (default time.Now).
func WithClock(clock func() time.Time) Option { return func(s *Server) { s.clock = clock } }

// WithAttachments replaces the default seed (see DefaultSeed) with these
// attachments alone. An attachment without a NetworkInterfaceID or
// InstanceID gets one made up from its AttachmentID; interfaces and
// instances it names are created in the region's first zone.
func WithAttachments(atts ...Attachment) Option {
	return func(s *Server) { s.seed = &Seed{Attachments: atts} }
}

// WithSeed replaces the default seed (see DefaultSeed) with seed: the
// state the server starts with and Reset restores. To add to the built-in
// set, append to DefaultSeed(region).
func WithSeed(seed Seed) Option { return func(s *Server) { s.seed = &seed } }

// WithAnyAddress lets NewServerAt listen on an address that is not
// loopback, such as 0.0.0.0:8599 to serve a test container. Anyone who can
// reach the address can then use the server's keys (Keys) and reset it.
func WithAnyAddress() Option { return func(s *Server) { s.anyAddress = true } }

// WithAttachingDuration keeps an attachment made by AttachNetworkInterface
// "attaching" this long, by the server's clock, before it becomes
// "attached" (default 0: at once).
func WithAttachingDuration(d time.Duration) Option { return func(s *Server) { s.attaching = d } }

// WithDetachingDuration keeps a detached interface "detaching" this long,
// by the server's clock, before it becomes "available" (default 0: at once).
func WithDetachingDuration(d time.Duration) Option { return func(s *Server) { s.detaching = d } }

// WithDescribeLag makes DescribeNetworkInterfaces and DescribeInstances
// eventually consistent, as EC2's are: they show each interface as it was d
// ago by the server's clock, so an attach or detach accepted less than d ago
// (and an attaching or detaching that ended less than d ago) is not seen
// yet, while AttachNetworkInterface and DetachNetworkInterface act on the
// truth. Changes made from Go (AddAttachment, Reset) and the Go accessors
// (Interface, Instances...) are not delayed. Default 0: describes are
// consistent.
func WithDescribeLag(d time.Duration) Option { return func(s *Server) { s.describeLag = d } }
