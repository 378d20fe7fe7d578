// kaic-device-plugin registers simulated accelerators with the kubelet through the device plugin
// API (k8s.io/kubelet/pkg/apis/deviceplugin/v1beta1), the path NVIDIA's and AMD's plugins use.
//
// Each simulated device is a character device node on the host (<dev-dir>/kaic-gpu<i>, major from
// the local/experimental range, minor i), so a container that was given it sees a real device node
// with a distinct minor, plus its UUID in KAIC_GPU_UUIDS. A container is given only the devices it
// was allocated, unless --share-all-devices is set: that is the sabotaged twin, which hands every
// device to every container so a check can be shown to FAIL on it.
package main

import (
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	pluginapi "k8s.io/kubelet/pkg/apis/deviceplugin/v1beta1"
)

type plugin struct {
	pluginapi.UnimplementedDevicePluginServer
	resource string
	devDir   string
	names    []string // kaic-gpu0, kaic-gpu1, ...
	uuids    map[string]string
	shareAll bool
	noFiles  bool
	prefix   string
	driver   string
	stop     chan struct{}
}

func main() {
	resource := flag.String("resource", "example.com/gpu", "extended resource name to register")
	count := flag.Int("devices", 4, "number of simulated devices")
	devDir := flag.String("dev-dir", "/run/kaic-node/dev", "host directory for the device nodes")
	node := flag.String("node-name", "", "node name, part of each device's UUID")
	socketDir := flag.String("socket-dir", pluginapi.DevicePluginPath, "the kubelet's device plugin directory")
	shareAll := flag.Bool("share-all-devices", false, "SABOTAGE: give every device to every container (the twin that must fail isolation checks)")
	prefix := flag.String("name-prefix", "kaic-gpu", "device node name prefix (kaic-gpu0, ...): a second instance (example.com/vgpu) uses its own")
	noFiles := flag.Bool("no-device-files", false, "SABOTAGE: grant devices without their device files (the twin a health probe must catch)")
	driver := flag.String("driver-version", "", "the simulated driver version the runtime hands each granted container in KAIC_GPU_DRIVER_VERSION (as NVIDIA's toolkit injects nvidia-smi)")
	flag.Parse()

	p := &plugin{resource: *resource, devDir: *devDir, uuids: map[string]string{}, shareAll: *shareAll, noFiles: *noFiles, prefix: *prefix, driver: *driver, stop: make(chan struct{})}
	if err := p.createDevices(*count, *node); err != nil {
		log.Fatalf("creating device nodes: %v", err)
	}
	defer p.removeDevices()
	if p.shareAll {
		log.Printf("WARNING: --share-all-devices: every container gets all %d devices (sabotaged twin)", *count)
	}

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	endpoint := "kaic-" + strings.NewReplacer("/", "-", ".", "-").Replace(*resource) + ".sock"
	sock := filepath.Join(*socketDir, endpoint)
	kubeletSock := filepath.Join(*socketDir, filepath.Base(pluginapi.KubeletSocket))
	// The kubelet empties its device-plugin directory when it starts, and a restarted kubelet
	// forgets its plugins: whenever our socket is gone, serve again and register again.
	var srv *grpc.Server
	registered := false
	for {
		if _, err := os.Stat(sock); srv == nil || err != nil {
			if srv != nil {
				srv.Stop()
				log.Printf("socket %s removed (kubelet started or restarted): serving and registering again", sock)
			}
			var err error
			if srv, err = p.serve(sock); err != nil {
				log.Fatalf("serving %s: %v", sock, err)
			}
			registered = false
		}
		if !registered {
			if err := register(kubeletSock, endpoint, *resource); err == nil {
				registered = true
				log.Printf("registered %s with %d devices at %s", *resource, len(p.names), sock)
			}
		}
		select {
		case <-sig:
			close(p.stop)
			srv.Stop()
			_ = os.Remove(sock)
			return
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func register(kubeletSock, endpoint, resource string) error {
	if _, err := os.Stat(kubeletSock); err != nil {
		return err
	}
	conn, err := grpc.NewClient("unix://"+kubeletSock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = pluginapi.NewRegistrationClient(conn).Register(ctx, &pluginapi.RegisterRequest{Version: pluginapi.Version, Endpoint: endpoint, ResourceName: resource})
	return err
}

func (p *plugin) serve(sock string) (*grpc.Server, error) {
	_ = os.Remove(sock)
	if err := os.MkdirAll(filepath.Dir(sock), 0o755); err != nil {
		return nil, err
	}
	l, err := net.Listen("unix", sock)
	if err != nil {
		return nil, err
	}
	srv := grpc.NewServer()
	pluginapi.RegisterDevicePluginServer(srv, p)
	go func() { _ = srv.Serve(l) }()
	return srv, nil
}

// freeMajor picks a character major in the local/experimental range (240-254) no driver uses.
func freeMajor() uint32 {
	used := map[uint32]bool{}
	if b, err := os.ReadFile("/proc/devices"); err == nil {
		for _, line := range strings.Split(strings.SplitN(string(b), "Block devices:", 2)[0], "\n") {
			var n uint32
			if _, err := fmt.Sscanf(strings.TrimSpace(line), "%d", &n); err == nil {
				used[n] = true
			}
		}
	}
	for m := uint32(240); m <= 254; m++ {
		if !used[m] {
			return m
		}
	}
	return 240
}

func (p *plugin) createDevices(n int, node string) error {
	if err := os.MkdirAll(p.devDir, 0o755); err != nil {
		return err
	}
	major := freeMajor()
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("%s%d", p.prefix, i)
		path := filepath.Join(p.devDir, name)
		_ = os.Remove(path)
		if err := syscall.Mknod(path, syscall.S_IFCHR|0o666, int(major<<8|uint32(i))); err != nil {
			return fmt.Errorf("mknod %s: %w", path, err)
		}
		sum := sha256.Sum256([]byte(node + "/" + p.resource + "/" + name))
		p.uuids[name] = fmt.Sprintf("GPU-%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
		p.names = append(p.names, name)
	}
	return nil
}

func (p *plugin) removeDevices() {
	for _, name := range p.names {
		_ = os.Remove(filepath.Join(p.devDir, name))
	}
}

func (p *plugin) GetDevicePluginOptions(context.Context, *pluginapi.Empty) (*pluginapi.DevicePluginOptions, error) {
	return &pluginapi.DevicePluginOptions{}, nil
}

func (p *plugin) ListAndWatch(_ *pluginapi.Empty, s pluginapi.DevicePlugin_ListAndWatchServer) error {
	devs := make([]*pluginapi.Device, 0, len(p.names))
	for _, n := range p.names {
		devs = append(devs, &pluginapi.Device{ID: n, Health: pluginapi.Healthy})
	}
	if err := s.Send(&pluginapi.ListAndWatchResponse{Devices: devs}); err != nil {
		return err
	}
	select {
	case <-p.stop:
	case <-s.Context().Done():
	}
	return nil
}

func (p *plugin) Allocate(_ context.Context, req *pluginapi.AllocateRequest) (*pluginapi.AllocateResponse, error) {
	out := &pluginapi.AllocateResponse{}
	for _, cr := range req.ContainerRequests {
		ids := cr.DevicesIds
		if p.shareAll {
			ids = p.names
		}
		resp := &pluginapi.ContainerAllocateResponse{Envs: map[string]string{}}
		var uuids []string
		for _, id := range ids {
			uuid, ok := p.uuids[id]
			if !ok {
				return nil, fmt.Errorf("unknown device %q", id)
			}
			if !p.noFiles {
				resp.Devices = append(resp.Devices, &pluginapi.DeviceSpec{HostPath: filepath.Join(p.devDir, id), ContainerPath: "/dev/" + id, Permissions: "rw"})
			}
			uuids = append(uuids, uuid)
		}
		resp.Envs["KAIC_GPU_DEVICES"] = strings.Join(ids, ",")
		resp.Envs["KAIC_GPU_UUIDS"] = strings.Join(uuids, ",")
		if p.driver != "" {
			resp.Envs["KAIC_GPU_DRIVER_VERSION"] = p.driver
		}
		out.ContainerResponses = append(out.ContainerResponses, resp)
		log.Printf("allocate %v -> %v", cr.DevicesIds, ids)
	}
	return out, nil
}

func (p *plugin) GetPreferredAllocation(context.Context, *pluginapi.PreferredAllocationRequest) (*pluginapi.PreferredAllocationResponse, error) {
	return &pluginapi.PreferredAllocationResponse{}, nil
}

func (p *plugin) PreStartContainer(context.Context, *pluginapi.PreStartContainerRequest) (*pluginapi.PreStartContainerResponse, error) {
	return &pluginapi.PreStartContainerResponse{}, nil
}
