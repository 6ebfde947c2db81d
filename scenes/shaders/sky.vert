#version 330
// The sky dome: a unit sphere around the viewer, pinned to the far plane (drawn first, no depth).
uniform mat4 p3d_ProjectionMatrix;
uniform mat4 p3d_ViewMatrix;
uniform mat4 p3d_ViewMatrixInverse;
in vec4 p3d_Vertex;
out vec3 v_dir;

void main() {
    vec3 cam = p3d_ViewMatrixInverse[3].xyz;
    v_dir = p3d_Vertex.xyz;
    vec4 c = p3d_ProjectionMatrix * p3d_ViewMatrix * vec4(cam + p3d_Vertex.xyz * 1000.0, 1.0);
    c.z = c.w * 0.99999;
    gl_Position = c;
}
