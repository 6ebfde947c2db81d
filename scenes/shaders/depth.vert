#version 330
// Depth pass of a CCTV projector: distance from the lens, per fragment.
uniform mat4 p3d_ModelViewProjectionMatrix;
uniform mat4 p3d_ModelViewMatrix;
in vec4 p3d_Vertex;
out vec3 v_view;

void main() {
    gl_Position = p3d_ModelViewProjectionMatrix * p3d_Vertex;
    v_view = (p3d_ModelViewMatrix * p3d_Vertex).xyz;
}
