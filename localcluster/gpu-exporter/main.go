// kaic-gpu-exporter serves accelerator metrics for the real node's simulated devices in the
// exposition format of NVIDIA's DCGM exporter: one series per device and field, each labelled
// with the device's index (gpu), its UUID, PCI bus id and device file, the model and the host.
// The devices are the ones the node advertises (the DRA example driver's, with their UUIDs), so
// kaic's accelerator_metrics check can match what the metrics cover to what the node offers.
//
// Simulated devices do no work: utilisation is 0 and the framebuffer is free. Three sabotage
// switches make the twins the check must FAIL on: a device whose utilisation series is missing,
// series without any per-device label, and a device left out altogether.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

type device struct{ index, name, uuid string }

func main() {
	listen := flag.String("listen", "127.0.0.1:9400", "address to serve /metrics on")
	node := flag.String("node-name", "", "the node's name (the Hostname label)")
	devices := flag.String("devices", "", "comma-separated index=name=uuid for each device, e.g. 0=gpu-0=GPU-1234")
	omitUtil := flag.String("omit-utilisation", "", "SABOTAGE: the device (name) whose utilisation series is left out")
	noLabels := flag.Bool("no-device-labels", false, "SABOTAGE: series carry no per-device label")
	omitDevice := flag.String("omit-device", "", "SABOTAGE: the device (name) left out of every series")
	flag.Parse()

	var devs []device
	for _, d := range strings.Split(*devices, ",") {
		p := strings.SplitN(d, "=", 3)
		if len(p) != 3 {
			log.Fatalf("--devices: %q is not index=name=uuid", d)
		}
		devs = append(devs, device{p[0], p[1], p[2]})
	}
	type field struct{ name, help, value string }
	fields := []field{
		{"DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %).", "0"},
		{"DCGM_FI_DEV_FB_FREE", "Framebuffer memory free (in MiB).", "81559"},
		{"DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB).", "0"},
		{"DCGM_FI_DEV_GPU_TEMP", "GPU temperature (in C).", "31"},
		{"DCGM_FI_DEV_POWER_USAGE", "Power draw (in W).", "61.5"},
	}
	http.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		var b strings.Builder
		for _, f := range fields {
			fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s gauge\n", f.name, f.help, f.name)
			for i, d := range devs {
				if d.name == *omitDevice || (f.name == "DCGM_FI_DEV_GPU_UTIL" && d.name == *omitUtil) {
					continue
				}
				labels := fmt.Sprintf(`gpu="%s",UUID="%s",pci_bus_id="00000000:%02X:00.0",device="nvidia%s",`, d.index, d.uuid, 0x10+i, d.index)
				if *noLabels {
					labels = ""
				}
				fmt.Fprintf(&b, "%s{%smodelName=\"LATEST-GPU-MODEL\",Hostname=\"%s\"} %s\n", f.name, labels, *node, f.value)
			}
		}
		_, _ = w.Write([]byte(b.String()))
	})
	srv := &http.Server{Addr: *listen}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
		<-sig
		_ = srv.Close()
	}()
	log.Printf("serving DCGM-format metrics for %d device(s) on %s", len(devs), *listen)
	if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
