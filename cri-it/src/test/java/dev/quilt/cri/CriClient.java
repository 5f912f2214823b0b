package dev.quilt.cri;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import dev.quilt.cri.v1.Cri;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The kubelet's side of the CRI (k8s.io/cri-api {@code runtime.v1.RuntimeService}), unary calls
 * over a unix socket ({@code unix://PATH}, as the kubelet's {@code --container-runtime-endpoint}).
 * The method descriptors are built here rather than by protoc-gen-grpc-java (not served for this
 * platform and version; see the pom), from the service in our {@code api.proto}: full method
 * name {@code runtime.v1.RuntimeService/Verb}, protobuf request and response. Every call has a deadline; a failed call becomes a
 * {@link CriException} naming the verb and the gRPC status, with {@code context} (containerd's
 * log tail, the runtime's calls and logs) appended so a failure says what the runtime said.
 */
final class CriClient implements AutoCloseable {
    /** A CRI call that failed: the verb, the gRPC status, then what the harness knows. */
    static final class CriException extends AssertionError {
        CriException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final ManagedChannel channel;
    private final Duration deadline;
    private final Supplier<String> context;

    CriClient(Path socket, Duration deadline, Supplier<String> context) {
        this.channel = Grpc.newChannelBuilder("unix://" + socket, InsecureChannelCredentials.create()).build();
        this.deadline = deadline;
        this.context = context;
    }

    Cri.VersionResponse version() {
        return call("Version", Cri.VersionRequest.newBuilder().setVersion("v1").build(), Cri.VersionResponse.getDefaultInstance());
    }

    String runPodSandbox(Cri.PodSandboxConfig config, String runtimeHandler) {
        return call("RunPodSandbox", Cri.RunPodSandboxRequest.newBuilder().setConfig(config).setRuntimeHandler(runtimeHandler).build(),
                Cri.RunPodSandboxResponse.getDefaultInstance()).getPodSandboxId();
    }

    void stopPodSandbox(String id) {
        call("StopPodSandbox", Cri.StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build(),
                Cri.StopPodSandboxResponse.getDefaultInstance());
    }

    void removePodSandbox(String id) {
        call("RemovePodSandbox", Cri.RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build(),
                Cri.RemovePodSandboxResponse.getDefaultInstance());
    }

    Cri.ListPodSandboxResponse listPodSandbox() {
        return call("ListPodSandbox", Cri.ListPodSandboxRequest.getDefaultInstance(), Cri.ListPodSandboxResponse.getDefaultInstance());
    }

    String createContainer(String podId, Cri.ContainerConfig config, Cri.PodSandboxConfig sandbox) {
        return call("CreateContainer", Cri.CreateContainerRequest.newBuilder().setPodSandboxId(podId).setConfig(config)
                .setSandboxConfig(sandbox).build(), Cri.CreateContainerResponse.getDefaultInstance()).getContainerId();
    }

    void startContainer(String id) {
        call("StartContainer", Cri.StartContainerRequest.newBuilder().setContainerId(id).build(),
                Cri.StartContainerResponse.getDefaultInstance());
    }

    /** {@code timeoutSeconds}: the grace between the stop signal and SIGKILL. */
    void stopContainer(String id, long timeoutSeconds) {
        call("StopContainer", Cri.StopContainerRequest.newBuilder().setContainerId(id).setTimeout(timeoutSeconds).build(),
                Cri.StopContainerResponse.getDefaultInstance());
    }

    void removeContainer(String id) {
        call("RemoveContainer", Cri.RemoveContainerRequest.newBuilder().setContainerId(id).build(),
                Cri.RemoveContainerResponse.getDefaultInstance());
    }

    Cri.ListContainersResponse listContainers() {
        return call("ListContainers", Cri.ListContainersRequest.getDefaultInstance(), Cri.ListContainersResponse.getDefaultInstance());
    }

    Cri.ContainerStatus containerStatus(String id) {
        return call("ContainerStatus", Cri.ContainerStatusRequest.newBuilder().setContainerId(id).build(),
                Cri.ContainerStatusResponse.getDefaultInstance()).getStatus();
    }

    /** Runs {@code cmd} in the container and returns its output and exit code; {@code timeoutSeconds} bounds it. */
    Cri.ExecSyncResponse execSync(String id, long timeoutSeconds, String... cmd) {
        return call("ExecSync", Cri.ExecSyncRequest.newBuilder().setContainerId(id).addAllCmd(java.util.List.of(cmd))
                .setTimeout(timeoutSeconds).build(), Cri.ExecSyncResponse.getDefaultInstance());
    }

    /**
     * The gRPC method {@code runtime.v1.RuntimeService/<verb>}, checked against the service in
     * our api.proto: the verb exists there, unary, with these request and response messages.
     */
    static <Q extends Message, R extends Message> MethodDescriptor<Q, R> method(String verb, Q request, R responseType) {
        Descriptors.ServiceDescriptor service = Cri.getDescriptor().findServiceByName("RuntimeService");
        Descriptors.MethodDescriptor m = service.findMethodByName(verb);
        if (m == null || m.isClientStreaming() || m.isServerStreaming()
                || m.getInputType() != request.getDescriptorForType() || m.getOutputType() != responseType.getDescriptorForType()) {
            throw new IllegalArgumentException("api.proto has no unary " + verb + "(" + request.getDescriptorForType().getName()
                    + ") returns (" + responseType.getDescriptorForType().getName() + ")");
        }
        return MethodDescriptor.<Q, R>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(service.getFullName(), m.getName()))
                .setRequestMarshaller(ProtoUtils.marshaller(request))
                .setResponseMarshaller(ProtoUtils.marshaller(responseType))
                .build();
    }

    private <Q extends Message, R extends Message> R call(String verb, Q request, R responseType) {
        MethodDescriptor<Q, R> method = method(verb, request, responseType);
        try {
            return ClientCalls.blockingUnaryCall(channel, method,
                    CallOptions.DEFAULT.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS), request);
        } catch (StatusRuntimeException e) {
            throw new CriException("CRI " + verb + " failed: " + e.getStatus().getCode() + ": "
                    + e.getStatus().getDescription() + "\n" + context.get(), e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow();
        channel.awaitTermination(10, TimeUnit.SECONDS);
    }
}
