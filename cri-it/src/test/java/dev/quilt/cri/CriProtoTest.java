package dev.quilt.cri;

import com.google.protobuf.Descriptors;
import dev.quilt.cri.v1.Cri;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Our api.proto is a subset of k8s.io/cri-api's {@code runtime/v1/api.proto}; what must not
 * drift is the wire contract: the package and service, the method names, and each kept
 * field's number. The numbers below are cri-api's.
 */
class CriProtoTest {
    @Test
    void theServiceIsTheCrisRuntimeService() {
        Descriptors.ServiceDescriptor service = Cri.getDescriptor().findServiceByName("RuntimeService");
        assertEquals("runtime.v1.RuntimeService", service.getFullName());
        assertEquals(List.of("Version", "RunPodSandbox", "StopPodSandbox", "RemovePodSandbox", "ListPodSandbox",
                        "CreateContainer", "StartContainer", "StopContainer", "RemoveContainer", "ListContainers",
                        "ContainerStatus", "ExecSync"),
                service.getMethods().stream().map(Descriptors.MethodDescriptor::getName).toList());
        for (Descriptors.MethodDescriptor m : service.getMethods()) {
            assertEquals(m.getName() + "Request", m.getInputType().getName());
            assertEquals(m.getName() + "Response", m.getOutputType().getName());
        }
    }

    @Test
    void methodsAreNamedAsGrpcNamesThem() {
        assertEquals("runtime.v1.RuntimeService/ExecSync", CriClient.method("ExecSync",
                Cri.ExecSyncRequest.getDefaultInstance(), Cri.ExecSyncResponse.getDefaultInstance()).getFullMethodName());
        assertThrows(IllegalArgumentException.class, () -> CriClient.method("ExecSync",
                Cri.VersionRequest.getDefaultInstance(), Cri.ExecSyncResponse.getDefaultInstance()));
        assertThrows(IllegalArgumentException.class, () -> CriClient.method("Attach",
                Cri.VersionRequest.getDefaultInstance(), Cri.VersionResponse.getDefaultInstance()));
    }

    @Test
    void fieldNumbersAreCriApis() {
        Map<Descriptors.Descriptor, Map<String, Integer>> expected = Map.ofEntries(
                Map.entry(Cri.RunPodSandboxRequest.getDescriptor(), Map.of("config", 1, "runtime_handler", 2)),
                Map.entry(Cri.PodSandboxConfig.getDescriptor(), Map.of("metadata", 1, "hostname", 2, "log_directory", 3,
                        "labels", 6, "annotations", 7, "linux", 8)),
                Map.entry(Cri.PodSandboxMetadata.getDescriptor(), Map.of("name", 1, "uid", 2, "namespace", 3, "attempt", 4)),
                Map.entry(Cri.LinuxPodSandboxConfig.getDescriptor(), Map.of("cgroup_parent", 1, "security_context", 2)),
                Map.entry(Cri.LinuxSandboxSecurityContext.getDescriptor(), Map.of("namespace_options", 1)),
                Map.entry(Cri.NamespaceOption.getDescriptor(), Map.of("network", 1, "pid", 2, "ipc", 3)),
                Map.entry(Cri.CreateContainerRequest.getDescriptor(), Map.of("pod_sandbox_id", 1, "config", 2, "sandbox_config", 3)),
                Map.entry(Cri.ContainerConfig.getDescriptor(), Map.of("metadata", 1, "image", 2, "command", 3, "args", 4,
                        "working_dir", 5, "envs", 6, "labels", 9, "annotations", 10, "log_path", 11, "linux", 15)),
                Map.entry(Cri.LinuxContainerConfig.getDescriptor(), Map.of("resources", 1, "security_context", 2)),
                Map.entry(Cri.LinuxContainerResources.getDescriptor(), Map.of("cpu_period", 1, "cpu_quota", 2, "cpu_shares", 3,
                        "memory_limit_in_bytes", 4, "oom_score_adj", 5)),
                Map.entry(Cri.LinuxContainerSecurityContext.getDescriptor(), Map.of("namespace_options", 3, "no_new_privs", 11)),
                Map.entry(Cri.ContainerStatus.getDescriptor(), Map.of("id", 1, "metadata", 2, "state", 3, "created_at", 4,
                        "started_at", 5, "finished_at", 6, "exit_code", 7, "reason", 10, "message", 11, "log_path", 15)),
                Map.entry(Cri.StopContainerRequest.getDescriptor(), Map.of("container_id", 1, "timeout", 2)),
                Map.entry(Cri.ExecSyncRequest.getDescriptor(), Map.of("container_id", 1, "cmd", 2, "timeout", 3)),
                Map.entry(Cri.ExecSyncResponse.getDescriptor(), Map.of("stdout", 1, "stderr", 2, "exit_code", 3)),
                Map.entry(Cri.VersionResponse.getDescriptor(), Map.of("version", 1, "runtime_name", 2, "runtime_version", 3,
                        "runtime_api_version", 4)));
        expected.forEach((message, fields) -> fields.forEach((name, number) -> {
            Descriptors.FieldDescriptor f = message.findFieldByName(name);
            assertNotNull(f, message.getName() + "." + name);
            assertEquals(number, f.getNumber(), message.getName() + "." + name);
        }));
        assertEquals(2, Cri.NamespaceMode.NODE.getNumber());
        assertEquals(2, Cri.ContainerState.CONTAINER_EXITED.getNumber());
    }
}
