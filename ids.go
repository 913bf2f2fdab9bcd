package enidetach

import (
	"fmt"
	"strings"
)

// maxIDLen bounds every ID a caller gives: interfaces, attachments and
// instances. Real IDs are a prefix ("eni-", "eni-attach-", "i-") and 17 hex
// digits; the bound only stops absurd input before it is signed and sent.
const maxIDLen = 255

// filterWildcards are the characters EC2 reads as wildcards (and their
// escape) in a filter value. The IDs that waits and lookups send as filter
// values must not hold them: "eni-attach-*" would match every attachment,
// none of which is the ID asked for, and so read as "gone".
const filterWildcards = `*?\`

// checkID refuses an ID that no EC2 ID can be: one longer than maxIDLen
// bytes. An empty ID passes: each input says which of its IDs it requires.
func checkID(field, id string) error {
	if len(id) > maxIDLen {
		return &ValidationError{Field: field, Reason: fmt.Sprintf("is %d bytes, longer than %d", len(id), maxIDLen)}
	}
	return nil
}

// requireID is checkID for an ID the input requires.
func requireID(field, id string) error {
	if id == "" {
		return &ValidationError{Field: field, Reason: "is required"}
	}
	return checkID(field, id)
}

// checkFilterID is checkID for an ID sent as a filter value, which must
// hold no filter wildcard either.
func checkFilterID(field, id string) error {
	if err := checkID(field, id); err != nil {
		return err
	}
	if strings.ContainsAny(id, filterWildcards) {
		return &ValidationError{Field: field, Reason: "holds a filter wildcard (*, ? or \\), which no ID does"}
	}
	return nil
}
