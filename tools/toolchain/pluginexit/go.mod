// The part of the project's plugin mains (pulumi-language-nodejs, pulumi-resource-kubernetes)
// that makes a plugin leave nothing behind: it notices the engine's death, and it gives the
// process a private temporary directory that it removes when it ends. Both plugin modules use
// it through a directory replace. Its requirements are the oldest the plugins already select,
// so it never raises a version either plugin is built against.
module steady.dev/toolchain/pluginexit

go 1.25

require google.golang.org/grpc v1.79.2

require (
	golang.org/x/net v0.48.0 // indirect
	golang.org/x/sys v0.39.0 // indirect
	golang.org/x/text v0.32.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20251202230838-ff82c1b0f217 // indirect
	google.golang.org/protobuf v1.36.10 // indirect
)
