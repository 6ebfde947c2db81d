#version 330
// City surfaces for the projector pass. Each camera slot's view transform is applied here, per
// vertex: camera-local coordinates are affine in the world position, so interpolating them is
// exact, and a software rasteriser saves a matrix product per slot per pixel.
uniform mat4 p3d_ModelViewProjectionMatrix;
uniform mat4 p3d_ModelMatrix;
in vec4 p3d_Vertex;
in vec3 p3d_Normal;
in vec4 p3d_Color;
out vec3 v_world;
out vec3 v_normal;
out vec4 v_color;
@SLOT_VERTEX_DECLARATIONS@

void main() {
    gl_Position = p3d_ModelViewProjectionMatrix * p3d_Vertex;
    vec4 world = p3d_ModelMatrix * p3d_Vertex;
    v_world = world.xyz;
    // the city is never scaled unevenly, so the model matrix turns normals correctly
    v_normal = mat3(p3d_ModelMatrix) * p3d_Normal;
    v_color = p3d_Color;
@SLOT_VERTEX_CALLS@
}
