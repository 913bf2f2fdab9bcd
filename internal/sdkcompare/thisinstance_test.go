package sdkcompare

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/ec2lite/enidetach"
	"github.com/ec2lite/enidetach/ec2test"
	"github.com/ec2lite/enidetach/internal/testenv"
)

// TestThisInstanceReadsIMDSAsTheSDK: for each setting of the variables
// ThisInstance honours, the SDK's own configuration
// (config.LoadDefaultConfig, imds.NewFromConfig) and ThisInstance agree:
// both ask the same endpoint and learn the same instance, or both refuse
// to ask. Each asks its own ec2test metadata service, so that which one
// answered tells which endpoint was used.
func TestThisInstanceReadsIMDSAsTheSDK(t *testing.T) {
	srv := ec2test.NewServer(ec2test.WithRegion("ap-southeast-2"))
	defer srv.Close()
	a, err := srv.StartIMDS(ec2test.InstanceA)
	if err != nil {
		t.Fatal(err)
	}
	c, err := srv.StartIMDS(ec2test.InstanceC)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string // the instance learnt, "" when both refuse
	}{
		{"endpoint", map[string]string{"AWS_EC2_METADATA_SERVICE_ENDPOINT": a.URL}, ec2test.InstanceA},
		{"other endpoint", map[string]string{"AWS_EC2_METADATA_SERVICE_ENDPOINT": c.URL}, ec2test.InstanceC},
		{"endpoint over mode", map[string]string{"AWS_EC2_METADATA_SERVICE_ENDPOINT": c.URL, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "IPv6"}, ec2test.InstanceC},
		{"disabled", map[string]string{"AWS_EC2_METADATA_SERVICE_ENDPOINT": a.URL, "AWS_EC2_METADATA_DISABLED": "true"}, ""},
		{"disabled, any case", map[string]string{"AWS_EC2_METADATA_SERVICE_ENDPOINT": a.URL, "AWS_EC2_METADATA_DISABLED": "TRUE"}, ""},
		{"not disabled", map[string]string{"AWS_EC2_METADATA_SERVICE_ENDPOINT": a.URL, "AWS_EC2_METADATA_DISABLED": "false"}, ec2test.InstanceA},
		{"not disabled by other words", map[string]string{"AWS_EC2_METADATA_SERVICE_ENDPOINT": a.URL, "AWS_EC2_METADATA_DISABLED": "1"}, ec2test.InstanceA},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testenv.Clear(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			sdkID, sdkErr := "", error(nil)
			cfg, err := config.LoadDefaultConfig(ctx)
			if err != nil {
				t.Fatal(err)
			}
			doc, sdkErr := imds.NewFromConfig(cfg).GetInstanceIdentityDocument(ctx, &imds.GetInstanceIdentityDocumentInput{})
			if sdkErr == nil {
				sdkID = doc.InstanceID
			}
			ours, err := enidetach.ThisInstance(ctx)
			var me *enidetach.InstanceMetadataError
			switch {
			case tc.want == "" && (sdkErr == nil || !errors.As(err, &me)):
				t.Errorf("SDK: %q, %v; ThisInstance: %+v, %v: want both to refuse", sdkID, sdkErr, ours, err)
			case tc.want != "" && (sdkID != tc.want || err != nil || ours.InstanceID != tc.want):
				t.Errorf("SDK: %q, %v; ThisInstance: %+v, %v: want both %s", sdkID, sdkErr, ours, err, tc.want)
			case tc.want != "" && (ours.Region != doc.Region || ours.AvailabilityZone != doc.AvailabilityZone):
				t.Errorf("ThisInstance %+v, the SDK's document %+v", ours, doc.InstanceIdentityDocument)
			}
		})
	}
}
