package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/ec2lite/enidetach/ec2test"
)

// serveLine is what -serve prints: everything another process needs.
type serveLine struct {
	Endpoint string `json:"endpoint"`
	Region   string `json:"region"`
	// AccessKeyID and SecretAccessKey are the key allowed every action.
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	// Keys lists every key with what it may do.
	Keys []serveKey `json:"keys"`
	// AttachmentIDs lists the attachments, as before Keys and Interfaces.
	AttachmentIDs []string         `json:"attachmentIds"`
	Instances     []serveInstance  `json:"instances"`
	Interfaces    []serveInterface `json:"interfaces"`
	// Endpoints lists every endpoint other hosts may use, Endpoint first:
	// with -any-address on 0.0.0.0 or [::], one for each of the host's
	// addresses that is neither loopback nor link-local.
	Endpoints []string `json:"endpoints"`
	// Reset and State are the requests that restore the initial state and
	// show the current one.
	Reset string `json:"reset"`
	State string `json:"state"`
}

type serveKey struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	May             string `json:"may"`
}

type serveInstance struct {
	InstanceID       string `json:"instanceId"`
	AvailabilityZone string `json:"availabilityZone"`
	SubnetID         string `json:"subnetId"`
	// UsedDeviceIndexes are taken on network card 0; others are free.
	UsedDeviceIndexes []int `json:"usedDeviceIndexes"`
	// IMDSEndpoint is the instance's own metadata service (IMDSv2): set
	// AWS_EC2_METADATA_SERVICE_ENDPOINT to it to run as that instance.
	IMDSEndpoint string `json:"imdsEndpoint,omitempty"`
}

type serveInterface struct {
	NetworkInterfaceID string `json:"networkInterfaceId"`
	Status             string `json:"status"`
	AvailabilityZone   string `json:"availabilityZone"`
	SubnetID           string `json:"subnetId"`
	AttachmentID       string `json:"attachmentId,omitempty"`
	InstanceID         string `json:"instanceId,omitempty"`
	DeviceIndex        *int   `json:"deviceIndex,omitempty"`
	AttachmentStatus   string `json:"attachmentStatus,omitempty"`
}

// describeServer builds the -serve line for a server reached at
// endpoints (see serveEndpoints), with the metadata endpoint of each
// instance in imdsEndpoints.
func describeServer(srv *ec2test.Server, endpoints []string, imdsEndpoints map[string]string) serveLine {
	line := serveLine{
		Endpoint: endpoints[0], Endpoints: endpoints, Region: srv.Region(),
		AccessKeyID: ec2test.DefaultAccessKeyID, SecretAccessKey: ec2test.DefaultSecretAccessKey,
		AttachmentIDs: []string{}, Reset: "POST " + endpoints[0] + ec2test.ControlPrefix + "reset",
		State: "GET " + endpoints[0] + ec2test.ControlPrefix + "state",
	}
	for _, k := range srv.Keys() {
		may := "every action (DryRun answers 412 DryRunOperation)"
		if k.Denied {
			may = "nothing: every action, dry runs included, answers 403 UnauthorizedOperation"
		}
		line.Keys = append(line.Keys, serveKey{k.AccessKeyID, k.SecretAccessKey, may})
	}
	for _, in := range srv.Instances() {
		si := serveInstance{InstanceID: in.InstanceID, AvailabilityZone: in.AvailabilityZone, SubnetID: in.SubnetID, UsedDeviceIndexes: []int{}, IMDSEndpoint: imdsEndpoints[in.InstanceID]}
		for _, a := range in.Attachments {
			if a.NetworkCardIndex == 0 {
				si.UsedDeviceIndexes = append(si.UsedDeviceIndexes, a.DeviceIndex)
			}
		}
		line.Instances = append(line.Instances, si)
	}
	for _, st := range srv.Interfaces() {
		si := serveInterface{NetworkInterfaceID: st.NetworkInterfaceID, Status: st.Status, AvailabilityZone: st.AvailabilityZone, SubnetID: st.SubnetID}
		if a := st.Attachment; a != nil {
			idx := a.DeviceIndex
			si.AttachmentID, si.InstanceID, si.DeviceIndex, si.AttachmentStatus = a.AttachmentID, a.InstanceID, &idx, a.Status
			line.AttachmentIDs = append(line.AttachmentIDs, a.AttachmentID)
		}
		line.Interfaces = append(line.Interfaces, si)
	}
	return line
}

// serveFake runs the fake until interrupted.
func serveFake(ctx context.Context, addr string, opts []ec2test.Option, stdout, stderr io.Writer) int {
	srv, err := ec2test.NewServerAt(addr, opts...)
	if err != nil {
		fmt.Fprintln(stderr, "local:", err)
		return 2
	}
	defer srv.Close()
	addrs, _ := net.InterfaceAddrs() // none found is said below
	endpoints, note := serveEndpoints(srv.URL, addrs)
	if note != "" {
		fmt.Fprintln(stderr, "local:", note)
	}
	imdsEndpoints := map[string]string{}
	for _, in := range srv.Instances() {
		m, err := srv.StartIMDS(in.InstanceID)
		if err != nil {
			fmt.Fprintln(stderr, "local:", err)
			return 1
		}
		// Reached at the same host as the endpoint printed first.
		imdsEndpoints[in.InstanceID] = sameHost(m.URL, endpoints[0])
	}
	line, _ := json.Marshal(describeServer(srv, endpoints, imdsEndpoints))
	fmt.Fprintln(stdout, string(line))
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return 0
}
