#version 330
uniform sampler2D p3d_Texture0;
uniform vec4 p3d_ColorScale;
in vec4 v_color;
in vec2 v_uv;
out vec4 frag_color;

void main() {
    frag_color = v_color * p3d_ColorScale * texture(p3d_Texture0, v_uv);
}
