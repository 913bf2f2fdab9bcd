package config

import (
	"bufio"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ec2lite/enidetach/internal/query"
)

// sharedFiles holds the parsed shared config and credentials files.
type sharedFiles struct {
	configPath, credsPath string
	config                map[string]map[string]string // by section name, "profile x" or "default"
	creds                 map[string]map[string]string // by profile name
}

// profile is one named profile, the credentials file's keys over the
// config file's.
type profile struct {
	name   string
	found  bool
	values map[string]string
	files  *sharedFiles
}

// get returns a key of the profile, or "".
func (p profile) get(key string) string { return p.values[key] }

// serviceSetting returns key of service's sub-section in the services
// section the profile names ("services = name" and "[services name]" in
// the config file), or "".
func (p profile) serviceSetting(service, key string) string {
	name := p.get("services")
	if name == "" || p.files == nil {
		return ""
	}
	return p.files.config["services "+name][service+"."+key]
}

// homeDir returns the home directory the way the SDK finds it.
func homeDir(env Env) string {
	if h := env.Get("HOME"); h != "" {
		return h
	}
	if h := env.Get("USERPROFILE"); h != "" {
		return h
	}
	h, _ := os.UserHomeDir()
	return h
}

// loadSharedFiles reads the shared config and credentials files. A missing
// file is empty; a file that exists but cannot be read is an error.
func loadSharedFiles(env Env) (*sharedFiles, error) {
	home := homeDir(env)
	sf := &sharedFiles{
		configPath: firstNonEmpty(env.Get("AWS_CONFIG_FILE"), filepath.Join(home, ".aws", "config")),
		credsPath:  firstNonEmpty(env.Get("AWS_SHARED_CREDENTIALS_FILE"), filepath.Join(home, ".aws", "credentials")),
	}
	var err error
	if sf.config, err = readINI(sf.configPath, env); err != nil {
		return nil, err
	}
	if sf.creds, err = readINI(sf.credsPath, env); err != nil {
		return nil, err
	}
	return sf, nil
}

// readINI reads and parses one shared file; a missing file is empty.
func readINI(path string, env Env) (map[string]map[string]string, error) {
	if strings.HasPrefix(path, "~/") {
		path = filepath.Join(homeDir(env), path[2:])
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]map[string]string{}, nil
	}
	if err != nil {
		return nil, &query.ValidationError{Field: "shared config file", Reason: err.Error()}
	}
	return parseINI(data), nil
}

// parseINI parses the AWS shared file format: [section] headers, key = value
// lines, comments from # or ; at the start of a line (or after white space
// in a value), CRLF or LF line ends, the last duplicate key winning. An
// indented "k = v" line after a key with an empty value is a nested
// sub-property, kept as "key.k" (a services section's "ec2 =" followed by
// "  endpoint_url = ..." gives "ec2.endpoint_url"); other indented lines are
// skipped.
func parseINI(data []byte) map[string]map[string]string {
	sections := map[string]map[string]string{}
	var cur map[string]string
	parent := "" // the key whose value is empty: indented lines below it are its sub-properties
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		raw := strings.TrimRight(sc.Text(), "\r")
		line := strings.TrimSpace(raw)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			end := strings.IndexByte(line, ']')
			if end < 0 {
				cur = nil // a broken header: ignore its keys rather than misfile them
				continue
			}
			name := strings.Join(strings.Fields(line[1:end]), " ")
			if sections[name] == nil {
				sections[name] = map[string]string{}
			}
			cur, parent = sections[name], ""
			continue
		}
		indented := raw[0] == ' ' || raw[0] == '\t'
		if cur == nil || (indented && parent == "") {
			continue // keys outside a section, or a continuation line
		}
		eq := strings.IndexByte(line, '=')
		if eq <= 0 {
			continue
		}
		key := strings.ToLower(strings.TrimSpace(line[:eq]))
		val := strings.TrimSpace(line[eq+1:])
		for _, marker := range []string{" #", "\t#", " ;", "\t;"} {
			if i := strings.Index(val, marker); i >= 0 {
				val = strings.TrimSpace(val[:i])
			}
		}
		if indented {
			cur[parent+"."+key] = val
			continue
		}
		parent = ""
		if val == "" {
			parent = key
		}
		cur[key] = val
	}
	return sections
}

// profile returns the named profile from both files.
func (sf *sharedFiles) profile(name string) profile {
	p := profile{name: name, values: map[string]string{}, files: sf}
	sections := []string{"profile " + name}
	if name == "default" {
		sections = []string{"default", "profile default"}
	}
	for _, s := range sections {
		if kv, ok := sf.config[s]; ok {
			p.found = true
			for k, v := range kv {
				p.values[k] = v
			}
		}
	}
	if kv, ok := sf.creds[name]; ok {
		p.found = true
		for k, v := range kv {
			p.values[k] = v
		}
	}
	return p
}

// loadProfile returns the profile chosen by name, AWS_PROFILE,
// AWS_DEFAULT_PROFILE or "default". A profile that was named but is in
// neither file is an error; a missing default profile is not.
func loadProfile(name string, env Env) (profile, error) {
	explicit := true
	if name == "" {
		name = firstNonEmpty(env.Get("AWS_PROFILE"), env.Get("AWS_DEFAULT_PROFILE"))
	}
	if name == "" {
		name, explicit = "default", false
	}
	sf, err := loadSharedFiles(env)
	if err != nil {
		return profile{}, err
	}
	p := sf.profile(name)
	if explicit && !p.found {
		return profile{}, &query.ValidationError{Field: "profile", Reason: "profile " + strconv.Quote(name) + " not found in " + sf.configPath + " or " + sf.credsPath}
	}
	return p, nil
}
