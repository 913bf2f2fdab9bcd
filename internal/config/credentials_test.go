package config

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// refreshStrategies is a provider with the cache strategies ec2rolecreds
// has.
type refreshStrategies struct{ aws.CredentialsProvider }

func (refreshStrategies) HandleFailToRefresh(_ context.Context, prev aws.Credentials, _ error) (aws.Credentials, error) {
	return prev, nil
}

func (refreshStrategies) AdjustExpiresBy(c aws.Credentials, _ time.Duration) (aws.Credentials, error) {
	c.Source = "adjusted"
	return c, nil
}

// TestNamedProviderKeepsCacheStrategies: wrapping a provider to name it
// must not hide what it tells aws.CredentialsCache (ec2rolecreds keeps
// serving credentials a while when IMDS fails at refresh time), and a
// provider without strategies gets the cache's defaults.
func TestNamedProviderKeepsCacheStrategies(t *testing.T) {
	t.Parallel()
	prev := aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "s", CanExpire: true, Expires: time.Unix(1000, 0)}
	with := &namedProvider{p: refreshStrategies{}}
	if got, err := with.HandleFailToRefresh(context.Background(), prev, errors.New("imds down")); err != nil || got != prev {
		t.Errorf("HandleFailToRefresh not passed on: %v %v", got, err)
	}
	if got, _ := with.AdjustExpiresBy(prev, time.Minute); got.Source != "adjusted" {
		t.Errorf("AdjustExpiresBy not passed on: %+v", got)
	}
	without := &namedProvider{p: credentials.NewStaticCredentialsProvider("a", "b", "")}
	if _, err := without.HandleFailToRefresh(context.Background(), prev, errors.New("down")); err == nil {
		t.Error("without a strategy, a failed refresh must stand")
	}
	if got, _ := without.AdjustExpiresBy(prev, -time.Minute); !got.Expires.Equal(prev.Expires.Add(-time.Minute)) {
		t.Errorf("without a strategy, the expiry moves as the cache moves it: %v", got.Expires)
	}
}
