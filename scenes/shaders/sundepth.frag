#version 330
in float v_depth;
out vec4 frag_color;

void main() {
    frag_color = vec4(v_depth, 0.0, 0.0, 1.0);
}
