#version 330
// The sun's shadow map: each fragment's distance along the sun's rays, in the frame the city shader
// reads it back in (sun_mat, world -> map), so the two always agree.
uniform mat4 p3d_ModelViewProjectionMatrix;
uniform mat4 p3d_ModelMatrix;
uniform mat4 sun_mat;
in vec4 p3d_Vertex;
out float v_depth;

void main() {
    gl_Position = p3d_ModelViewProjectionMatrix * p3d_Vertex;
    v_depth = (sun_mat * (p3d_ModelMatrix * p3d_Vertex)).z;
}
